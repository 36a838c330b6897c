"""`newswatch alerts`: the outbox for operators: list, test a channel, retry, send what is due."""

from __future__ import annotations

from datetime import datetime

import click

from newswatch.context import Context


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _status(row: object) -> str:
    from alerts.delivery.ledger import LedgerRow

    assert isinstance(row, LedgerRow)
    if row.status == "pending" and row.digest_due is not None:
        kind = {"overflow": "throttled", "followup": "follow-up in digest"}.get(
            row.route or "", "digest"
        )
        return f"pending ({kind} {_when(row.digest_due)})"
    if row.status == "pending" and row.attempts:
        return f"pending (retry {_when(row.next_attempt_at)})"
    if row.status == "sent" and row.route in ("digest", "overflow", "followup"):
        return "sent (digest)"
    return row.status


@click.group("alerts", invoke_without_command=True)
@click.option("--limit", default=50, show_default=True, help="at most this many deliveries")
@click.option(
    "--status",
    type=click.Choice(["pending", "sending", "sent", "failed", "skipped"]),
    default=None,
    help="only deliveries in this state",
)
@click.option("--channel", default=None, help="only deliveries to this channel")
@click.pass_context
def alerts(ctx: click.Context, limit: int, status: str | None, channel: str | None) -> None:
    """Alerts and their deliveries, newest first (time, rule, article, channel, status, ...)."""
    if ctx.invoked_subcommand is not None:
        return
    from alerts.delivery.ledger import rows

    context: Context = ctx.obj
    found = rows(context.archive, limit, status, channel)
    table = [("ID", "TIME", "RULE", "ARTICLE", "CHANNEL", "STATUS", "TRIES", "LAST ERROR")]
    for row in found:
        title = row.title if len(row.title) <= 40 else row.title[:39] + "…"
        mark = "↳ " if row.followup else ""
        table.append(
            (
                str(row.delivery_id),
                _when(row.created),
                f"{row.rule} ({row.severity})",
                f"{mark}{row.article_id} {title}",
                row.channel,
                _status(row),
                str(row.attempts),
                (row.last_error or "").replace("\n", " ")[:120],
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        click.echo("  ".join([*cells, line[-1]]).rstrip())
    click.echo(f"{len(found)} deliveries (↳ marks a follow-up of an alerted story)", err=True)


@alerts.command("test")
@click.option("--channel", "name", required=True, help="the channel to send a test message to")
@click.pass_obj
def test_channel(context: Context, name: str) -> None:
    """Send a test message through one channel, now (outside the outbox)."""
    from alerts.delivery.channels import DeliveryError, build_channels
    from alerts.delivery.ledger import send_test

    channels = build_channels(context.config.alerts)
    if name not in channels:
        known = ", ".join(sorted(channels)) or "none configured"
        raise click.ClickException(f"no channel named {name!r} (channels: {known})")
    channel = channels[name]
    try:
        send_test(channel)
    except DeliveryError as exc:
        kind = "temporary" if exc.retry else "permanent"
        raise click.ClickException(f"channel {name}: {kind} failure: {exc.message}") from None
    click.echo(f"test message sent via {name}", err=True)


@alerts.command("retry")
@click.argument("delivery_id", type=int)
@click.option("--send/--no-send", default=True, show_default=True, help="dispatch right away")
@click.pass_obj
def retry_delivery(context: Context, delivery_id: int, send: bool) -> None:
    """Put a failed delivery (ID from `newswatch alerts`) back into the outbox."""
    from alerts.delivery.ledger import LedgerError, retry

    try:
        before = retry(context.archive, delivery_id)
    except LedgerError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"delivery {delivery_id} ({before}) is pending again", err=True)
    if send:
        _dispatch(context)


@alerts.command("dispatch")
@click.pass_obj
def dispatch(context: Context) -> None:
    """Send every delivery and digest that is due now, then exit."""
    _dispatch(context)


def _dispatch(context: Context) -> None:
    from alerts.delivery.channels import build_channels
    from alerts.delivery.outbox import dispatch_due

    cfg = context.config.alerts
    report = dispatch_due(context.archive, build_channels(cfg), cfg)
    click.echo(report.summary(), err=True)
