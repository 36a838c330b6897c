"""`newswatch` with faults injected at named stages, for the isolation tests.

    python -m tests.support.faults parser,decode,extract,store -- --config PATH crawl

Each fault wraps the real function of one stage and raises what a bug (or a dying database)
would raise, only for URLs that carry its marker (`fault-parser`, `fault-decode`,
`fault-extract`, `fault-store`); everything else runs as usual. The tests then show that the
rest of the work was done and that each fault was reported once. The faults are injected in
this process, so the config must process pages here (`[pipeline] workers = 0`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import OperationalError

Wrapper = Callable[[Callable[..., Any]], Callable[..., Any]]


def _patch(module_name: str, name: str, wrap: Wrapper) -> None:
    """Replace `module.name` by `wrap(the real one)`, where the stage looks it up."""
    module = importlib.import_module(module_name)
    setattr(module, name, wrap(getattr(module, name)))


def _parser() -> None:
    from spiders.feed import FeedPoll

    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def parse_source(self: FeedPoll, response: Any) -> Any:
            if "fault-parser" in response.url:
                raise KeyError("entries")  # what a parser bug looks like
            return real(self, response)

        return parse_source

    FeedPoll.parse_source = wrap(FeedPoll.parse_source)  # type: ignore[method-assign]


def _decode() -> None:
    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def decode_page(body: bytes, content_type: str | None) -> Any:
            if b"fault-decode" in body:
                raise IndexError("string index out of range")
            return real(body, content_type)

        return decode_page

    _patch("scheduler.processing", "decode_page", wrap)


def _extract() -> None:
    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def extract(body: bytes, url: str, **kwargs: Any) -> Any:
            if "fault-extract" in url:
                raise TypeError("'NoneType' object is not subscriptable")
            return real(body, url, **kwargs)

        return extract

    _patch("scheduler.processing", "extract", wrap)


def _store() -> None:
    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def store_article(engine: Any, draft: Any, dedup: Any = None, queued: Any = None) -> Any:
            if "fault-store" in draft.url:
                raise OperationalError("INSERT INTO article", {}, Exception("disk I/O error"))
            return real(engine, draft, dedup, queued)

        return store_article

    _patch("scheduler.processing", "store_article", wrap)


FAULTS: dict[str, Callable[[], None]] = {
    "parser": _parser,
    "decode": _decode,
    "extract": _extract,
    "store": _store,
}


def main() -> None:
    names, _, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    for name in names.split(","):
        FAULTS[name]()
    from newswatch.cli import main as newswatch

    sys.argv = ["newswatch", *args]
    newswatch()


if __name__ == "__main__":
    main()
