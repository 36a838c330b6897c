"""`newswatch serve`: the review UI on loopback (elsewhere only with an access token)."""

from __future__ import annotations

import logging

import click

from newswatch.context import Context, pass_context

logger = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8080, show_default=True, type=int, help="port to listen on")
@pass_context
def serve(context: Context, host: str, port: int) -> None:
    """Serve the review UI: inbox and triage, search, stories, charts, exports."""
    import uvicorn

    from newswatch.web.access import is_loopback
    from newswatch.web.app import build_app

    config = context.config
    token = config.web.token()
    if not is_loopback(host) and token is None:
        raise click.ClickException(
            f"refusing to serve on {host}: off loopback the UI needs an access token in "
            f"${config.web.token_env} ([web] token_env in {context.path})"
        )
    app = build_app(context.archive, config, token)
    click.echo(f"review UI: http://{host}:{port}/" + (" (token required)" if token else ""))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
