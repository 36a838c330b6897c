"""Pages that read the archive: search (facets, saved searches), an article, a story."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from db.coverage import story_coverage
from db.facets import FACETS, FLAGS
from db.models import Alert, Article, ArticleEntity, Match, SavedSearch, Source
from newswatch.web.charts import days_back, line_chart, timeline, with_spikes
from newswatch.web.explain import alert_reasons, join_reason, spans
from newswatch.web.render import page
from newswatch.web.searching import BROWSE_LIMIT, build_query, search
from newswatch.web.state import chosen_facets, date_param, int_param, state

PER_PAGE = 20
FACET_LABELS = {
    "source": "Source",
    "lang": "Language",
    "rule": "Rule",
    "entity": "Entity",
    "story": "Story",
    "flag": "Relevant / duplicate / seed",
    "month": "Month",
}


def search_page(request: Request) -> Response:
    params = request.query_params
    web = state(request)
    simple = [params.get(k, "") for k in ("any", "all", "none")]
    query = build_query(*simple) if any(simple) else params.get("q", "")
    if any(simple):
        # The form shows the query it built: the page's address carries it, not the boxes.
        rest = [(k, v) for k, v in params.multi_items() if k not in ("any", "all", "none", "q")]
        return RedirectResponse(
            request.url.path + "?" + _encode([("q", query), *rest]), status_code=303
        )
    page_no = int_param(params, "page", 1)
    results = search(
        web.archive,
        web.config,
        query,
        chosen_facets(params),
        date_param(params, "from"),
        date_param(params, "to"),
        page_no,
        PER_PAGE,
    )
    with Session(web.archive) as session:
        saved = session.exec(select(SavedSearch).order_by(col(SavedSearch.name))).all()
    return page(
        request,
        "search.html",
        {
            "title": "Search",
            "results": results,
            "params": list(params.multi_items()),
            "facet_labels": FACET_LABELS,
            "facet_order": FACETS,
            "flags": FLAGS,
            "page_no": page_no,
            "pages": max(1, -(-results.stories // PER_PAGE)),
            "saved": saved,
            "export_query": request.url.query,
            "browse_limit": BROWSE_LIMIT,
        },
        status=400 if results.error else 200,
    )


def _encode(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs)


async def save_search(request: Request) -> Response:
    form = await request.form()
    name = str(form.get("name", "")).strip()[:80]
    filters = str(form.get("filters", ""))
    kept = [(k, v) for k, v in parse_qsl(filters) if k in FACETS or k in ("from", "to")]
    query = str(form.get("q", ""))
    if not name:
        return RedirectResponse("/search?" + _encode([("q", query), *kept]), status_code=303)

    def store() -> None:
        with Session(state(request).archive) as session:
            existing = session.exec(select(SavedSearch).where(SavedSearch.name == name)).first()
            row = existing or SavedSearch(name=name, query=query)
            row.query, row.filters = query, _encode(kept)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # saved under the same name at the same moment: keep theirs

    await run_in_threadpool(store)
    return RedirectResponse("/search?" + _encode([("q", query), *kept]), status_code=303)


async def delete_search(request: Request) -> Response:
    search_id = int(request.path_params["search_id"])

    def drop() -> None:
        with Session(state(request).archive) as session:
            row = session.get(SavedSearch, search_id)
            if row is not None:
                session.delete(row)
                session.commit()

    await run_in_threadpool(drop)
    return RedirectResponse("/search", status_code=303)


def article_page(request: Request) -> Response:
    article_id = int(request.path_params["article_id"])
    web = state(request)
    with Session(web.archive) as session:
        article = session.get(Article, article_id)
        if article is None:
            return page(request, "missing.html", {"title": "Not found", "what": "article"}, 404)
        source = session.get(Source, article.source_id) if article.source_id else None
        matches = session.exec(
            select(Match).where(Match.article_id == article_id).order_by(col(Match.id))
        ).all()
        entities = session.exec(
            select(ArticleEntity).where(ArticleEntity.article_id == article_id)
        ).all()
        members = session.exec(
            select(Article)
            .where(Article.story_id == article.story_id)
            .order_by(col(Article.published), col(Article.id))
        ).all()
        alerts = session.exec(select(Alert).where(Alert.article_id == article_id)).all()
        reasons = alert_reasons(article, matches, alerts)
    hits = [h for m in matches for h in m.terms] + [h for e in entities for h in e.hits]
    return page(
        request,
        "article.html",
        {
            "title": article.title,
            "article": article,
            "source": source.name if source else None,
            "matches": matches,
            "entities": entities,
            "members": members,
            "reasons": reasons,
            "title_html": spans(article.title, hits, "title"),
            "text_html": spans(article.text, hits, "text"),
        },
    )


def story_page(request: Request) -> Response:
    story_id = int(request.path_params["story_id"])
    web = state(request)
    with Session(web.archive) as session:
        members = session.exec(
            select(Article, Source.name)
            .join(Source, col(Source.id) == col(Article.source_id), isouter=True)
            .where(Article.story_id == story_id)
            .order_by(col(Article.published), col(Article.id))
        ).all()
    if not members:
        return page(request, "missing.html", {"title": "Not found", "what": "story"}, 404)
    counts = story_coverage(web.archive, story_id)
    first, last = min(counts), max(counts)
    span = max((last - first).days + 1, 1)
    per_day = line_chart("articles per day", {"story": with_spikes(counts, days_back(last, span))})
    outlets = [name or a.site_name or ("seed" if a.seed else "—") for a, name in members]
    rows = [
        {"article": a, "outlet": outlet, "reason": join_reason(a)}
        for (a, _name), outlet in zip(members, outlets, strict=True)
    ]
    events = [
        (outlet, a.published or a.created_at, a.lang or "?")
        for (a, _name), outlet in zip(members, outlets, strict=True)
    ]
    return page(
        request,
        "story.html",
        {
            "title": f"Story {story_id}",
            "story_id": story_id,
            "rows": rows,
            "seed": next((a for a, _n in members if a.seed), None),
            "outlets": sorted(set(outlets)),
            "langs": sorted({a.lang or "—" for a, _n in members}),
            "chart": timeline("the story's articles by outlet and time", events),
            "per_day": per_day,
            "export_query": "",
        },
    )
