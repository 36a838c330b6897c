"""What every page handler reads: the archive and the config, set once when the app is built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from starlette.datastructures import QueryParams
from starlette.requests import Request

from db.facets import FACETS
from newswatch.config import AppConfig


@dataclass(frozen=True, slots=True)
class WebState:
    archive: Engine
    config: AppConfig


def state(request: Request) -> WebState:
    found: WebState = request.app.state.newswatch
    return found


def int_param(params: QueryParams, name: str, default: int) -> int:
    try:
        return max(1, int(params.get(name, default)))
    except ValueError:
        return default


def date_param(params: QueryParams, name: str) -> date | None:
    try:
        return date.fromisoformat(params[name]) if params.get(name) else None
    except ValueError:
        return None


def chosen_facets(params: QueryParams) -> dict[str, set[str]]:
    return {facet: set(params.getlist(facet)) for facet in FACETS if params.getlist(facet)}
