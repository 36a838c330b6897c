"""The alerts inbox, a channel that is always on: every alert with its triage verdict."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from db.triage import (
    VERDICTS,
    InboxFilter,
    TriageError,
    inbox,
    inbox_choices,
    rule_quality,
    set_verdict,
)
from newswatch.web.render import page
from newswatch.web.state import int_param, state

PER_PAGE = 50


def inbox_filter(request: Request) -> InboxFilter:
    params = request.query_params
    return InboxFilter(
        rule=params.get("rule") or None,
        severity=params.get("severity") or None,
        status=params.get("status") or None,
        channel=params.get("channel") or None,
    )


def inbox_page(request: Request) -> Response:
    web = state(request)
    page_no = int_param(request.query_params, "page", 1)
    rows = inbox(web.archive, inbox_filter(request), PER_PAGE, (page_no - 1) * PER_PAGE)
    return page(
        request,
        "inbox.html",
        {
            "title": "Inbox",
            "rows": rows,
            "choices": inbox_choices(web.archive) | {"status": list(VERDICTS)},
            "params": list(request.query_params.multi_items()),
            "current": dict(request.query_params),
            "quality": rule_quality(web.archive),
            "verdicts": VERDICTS,
            "page_no": page_no,
            "more": len(rows) == PER_PAGE,
            "export_query": request.url.query,
        },
    )


async def triage(request: Request) -> Response:
    alert_id = int(request.path_params["alert_id"])
    form = await request.form()
    verdict = str(form.get("verdict", ""))
    back = str(form.get("back", "/"))
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    try:
        await run_in_threadpool(set_verdict, state(request).archive, alert_id, verdict)
    except TriageError as exc:
        return PlainTextResponse(str(exc), status_code=400)
    return RedirectResponse(back, status_code=303)
