"""Templates: Jinja2 with autoescaping always on, and the helpers pages share.

Article text, titles and names are archive data written by others: they only ever reach a page
through an escaping filter (`marked` escapes each piece and wraps the matched ones in <mark>),
and a link to an article is only made for http(s) addresses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from newswatch.web.access import CSRF_FIELD, csrf_token

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def safe_url(url: str | None) -> str | None:
    """The address if it is a web address, else None (no javascript:, data: or seed: links)."""
    if not url:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def marked(text: str, spans: Iterable[tuple[int, int]]) -> Markup:
    """`text` escaped, with each (start, end) span wrapped in <mark>; overlaps merged."""
    out: list[str] = []
    at = 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        out.append(str(escape(text[at:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def query_string(params: Sequence[tuple[str, str]], **changes: str | None) -> str:
    """The page's parameters with some replaced (None drops one), as `?a=1&b=2`."""
    kept = [(k, v) for k, v in params if k not in changes and k != "page"]
    kept.extend((k, v) for k, v in changes.items() if v is not None)
    return "?" + urlencode(kept) if kept else "?"


def toggled(params: Sequence[tuple[str, str]], key: str, value: str) -> str:
    """The page's parameters with (key, value) added, or removed if present: a facet link."""
    pair = (key, value)
    kept = [p for p in params if p != pair and p[0] != "page"]
    if pair not in params:
        kept.append(pair)
    return "?" + urlencode(kept)


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(when=when, day=day, safe_url=safe_url)
_env.globals.update(marked=marked, toggled=toggled, query_string=query_string)


def page(
    request: Request, template: str, context: Mapping[str, Any], status: int = 200
) -> HTMLResponse:
    csrf = Markup(
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token(request))}">'
    )
    body = _env.get_template(template).render(
        {**context, "request": request, "csrf_field": csrf, "path": request.url.path}
    )
    return HTMLResponse(body, status_code=status)
