"""CSV and JSONL of a search, story or inbox view: the export contract's fields, then `query`
(what the view showed, as its address's parameters), so a file says where it came from."""

from __future__ import annotations

import io

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from db.export import ExportFilter, write_csv, write_jsonl
from db.models import Article
from db.triage import inbox
from newswatch.web.inbox import inbox_filter
from newswatch.web.searching import search
from newswatch.web.state import chosen_facets, date_param, state

TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
MAX_ROWS = 100_000


def _view_ids(request: Request, view: str) -> tuple[list[int], str]:
    web = state(request)
    params = request.query_params
    if view == "search":
        results = search(
            web.archive,
            web.config,
            params.get("q", ""),
            chosen_facets(params),
            date_param(params, "from"),
            date_param(params, "to"),
            per_page=0,
        )
        return results.ids, f"search?{request.url.query}"
    if view == "story":
        story_id = int(request.path_params["story_id"])
        with Session(web.archive) as session:
            ids = session.exec(
                select(Article.id)
                .where(Article.story_id == story_id)
                .order_by(col(Article.published), col(Article.id))
            ).all()
        return [i for i in ids if i is not None], f"story {story_id}"
    rows = inbox(web.archive, inbox_filter(request), limit=MAX_ROWS)
    return list(dict.fromkeys(r.article_id for r in rows)), f"inbox?{request.url.query}"


def export_view(request: Request) -> Response:
    view = request.path_params.get("view", "story")
    fmt = request.path_params["fmt"]
    if fmt not in TYPES or view not in ("search", "story", "inbox"):
        return Response("unknown export", status_code=404)
    ids, query = _view_ids(request, view)
    out = io.StringIO()
    writer = write_csv if fmt == "csv" else write_jsonl
    writer(state(request).archive, out, ExportFilter(ids=ids), {"query": query})
    name = f"newswatch-{view}.{fmt}"
    return Response(
        out.getvalue(),
        media_type=TYPES[fmt],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
