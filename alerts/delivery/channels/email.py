"""SMTP email (plain, STARTTLS or implicit TLS): one multipart/alternative message per alert."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from alerts.delivery.channel_config import EmailChannelConfig
from alerts.delivery.channels.base import DeliveryError, OutgoingAlert
from alerts.delivery.secrets import register
from db.models import utcnow

logger = logging.getLogger(__name__)


def _reply_error(code: int, detail: str) -> DeliveryError:
    # RFC 5321: 4xx is a transient failure, 5xx a permanent one.
    return DeliveryError(f"SMTP {code}: {detail}", retry=400 <= code < 500)


def _decode(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else message


def classify(exc: OSError) -> DeliveryError:
    """The DeliveryError for an smtplib or socket failure: retry only what may heal by itself."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = exc.recipients
        detail = "; ".join(
            f"{rcpt}: {code} {_decode(msg)}" for rcpt, (code, msg) in refused.items()
        )
        transient = all(400 <= code < 500 for code, _ in refused.values())
        return DeliveryError(f"recipients refused: {detail}", retry=transient)
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 400:
        return _reply_error(exc.smtp_code, _decode(exc.smtp_error))
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"server disconnected: {exc}", retry=True)
    if isinstance(exc, smtplib.SMTPException):
        # STARTTLS or AUTH not offered, no usable AUTH method: the config must change first.
        return DeliveryError(f"SMTP: {exc}", retry=False)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DeliveryError(f"TLS certificate rejected: {exc}", retry=False)
    return DeliveryError(f"{type(exc).__name__}: {exc}", retry=True)


class EmailChannel:
    """Sends alerts to the configured recipients; raises DeliveryError, never smtplib's errors."""

    def __init__(
        self,
        name: str,
        config: EmailChannelConfig,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.name = name
        self.config = config
        # Tests hand in a context that trusts their own certificate; production verifies.
        self.ssl_context = ssl_context or ssl.create_default_context()

    def _password(self) -> str:
        variable = self.config.password_env
        if variable is None:
            raise DeliveryError(
                f"channel {self.name!r}: username is set but password_env is not", retry=False
            )
        password = os.environ.get(variable)
        register(password)
        if password is None:
            raise DeliveryError(
                f"channel {self.name!r}: environment variable {variable} is not set", retry=False
            )
        return password

    def build_message(self, alert: OutgoingAlert) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = alert.rendered.subject
        message["From"] = self.config.sender
        message["To"] = ", ".join(self.config.recipients)
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = alert.message_id
        if alert.in_reply_to is not None:
            # Follow-ups of a story thread under its first alert in every mail client.
            message["In-Reply-To"] = alert.in_reply_to
            message["References"] = alert.in_reply_to
        message.set_content(alert.rendered.text)
        message.add_alternative(alert.rendered.html, subtype="html")
        return message

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.security == "ssl":
            return smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout_seconds, context=self.ssl_context
            )
        return smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)

    def _deliver(
        self, smtp: smtplib.SMTP, message: EmailMessage, password: str | None
    ) -> dict[str, tuple[int, bytes]]:
        if self.config.security == "starttls":
            smtp.starttls(context=self.ssl_context)
        if self.config.username and password is not None:
            smtp.login(self.config.username, password)
        return smtp.send_message(message)

    def describe(self) -> str:
        cfg = self.config
        return f"email via {cfg.host}:{cfg.port} ({cfg.security}) to {', '.join(cfg.recipients)}"

    def send(self, alert: OutgoingAlert) -> str:
        message = self.build_message(alert)
        # Read before connecting: a missing password fails without touching the server.
        password = self._password() if self.config.username else None
        try:
            smtp = self._connect()
        except OSError as exc:
            raise classify(exc) from exc
        try:
            refused = self._deliver(smtp, message, password)
        except OSError as exc:
            raise classify(exc) from exc
        finally:
            _hang_up(smtp)
        if refused:
            # The others have the message; sending again would repeat it to them.
            logger.warning(
                "channel %s: alert %d not accepted for %s",
                self.name,
                alert.alert_id,
                ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items()),
            )
        return alert.message_id


def _hang_up(smtp: smtplib.SMTP) -> None:
    # Once the message is accepted, a failing QUIT must not turn into a retry (a second copy).
    try:
        smtp.quit()
    except OSError:
        smtp.close()
