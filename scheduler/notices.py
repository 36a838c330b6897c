"""Source health notices: each raised issue told once to the operator channel, and its end.

The issues wait in the archive (db.polls) like deliveries in the outbox: a notice that the
channel did not take is tried again on the next dispatch pass; one that went out is marked,
so a restart does not repeat it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import Engine

from alerts.delivery.channels.base import Channel, DeliveryError, notice
from db.polls import drop_issue, mark_notified, open_issues

logger = logging.getLogger(__name__)


def send_source_notices(
    archive: Engine, channels: Mapping[str, Channel], operator: str | None
) -> int:
    """Send the notices due; how many went out."""
    target = channels.get(operator) if operator is not None else None
    if target is None:
        return 0
    sent = 0
    for name, issue in open_issues(archive):
        assert issue.id is not None
        if issue.notified_at is None and issue.cleared_at is None:
            subject = f"[newswatch] source {name}: {issue.kind}"
            text = (
                f"Source {name!r} needs a look: {issue.detail}\n"
                f"Since {issue.raised_at:%Y-%m-%d %H:%M} UTC. "
                f"Its last polls: newswatch sources {name}\n"
            )
            key = f"<source-{issue.id}.raised@newswatch>"
        elif issue.notified_at is not None and issue.cleared_at is not None:
            subject = f"[newswatch] source {name}: recovered"
            text = f"Source {name!r} is well again ({issue.kind}: {issue.detail}).\n"
            key = f"<source-{issue.id}.recovered@newswatch>"
        else:
            continue
        try:
            target.send(notice(subject, text, key))
        except DeliveryError as exc:
            logger.warning(
                "operator channel %s could not be told about %s: %s", operator, name, exc
            )
            return sent  # the channel is down: the rest wait for the next pass
        if issue.cleared_at is None:
            mark_notified(archive, issue.id)
        else:
            drop_issue(archive, issue.id)
        sent += 1
    return sent
