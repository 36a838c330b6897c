"""The review UI as a Starlette app: server-rendered pages, our own CSS and script, no CDN."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from newswatch.config import AppConfig
from newswatch.web.access import AccessMiddleware
from newswatch.web.archive import article_page, delete_search, save_search, search_page, story_page
from newswatch.web.exports import export_view
from newswatch.web.inbox import inbox_page, triage
from newswatch.web.overview import overview_page, rules_page, sources_page
from newswatch.web.render import STATIC
from newswatch.web.state import WebState


def build_app(archive: Engine, config: AppConfig, token: str | None) -> Starlette:
    """The app over `archive`; with `token`, every request must carry it (newswatch.web.access)."""
    routes = [
        Route("/", inbox_page, name="inbox"),
        Route("/alerts/{alert_id:int}/triage", triage, methods=["POST"]),
        Route("/search", search_page),
        Route("/searches", save_search, methods=["POST"]),
        Route("/searches/{search_id:int}/delete", delete_search, methods=["POST"]),
        Route("/article/{article_id:int}", article_page),
        Route("/story/{story_id:int}", story_page),
        Route("/story/{story_id:int}/export.{fmt}", export_view, name="story_export"),
        Route("/{view:str}/export.{fmt}", export_view),
        Route("/overview", overview_page),
        Route("/rules", rules_page),
        Route("/sources", sources_page),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(AccessMiddleware, token=token)])
    app.state.newswatch = WebState(archive, config)
    return app
