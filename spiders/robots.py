"""robots.txt, read once a day per site rather than once per poll.

Scrapy's middleware keeps parsed robots.txt files for one crawl; the daemon runs a crawl per
poll, so without a shared cache every poll of an unchanged feed would cost two requests.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

# netloc -> (parsed robots.txt, when it was read); shared by every crawl in the process.
_CACHE: dict[str, tuple[Any, float]] = {}
TTL_SECONDS = 24 * 3600


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        cached = _CACHE.get(netloc)
        if netloc not in self._parsers and cached and time.monotonic() - cached[1] < TTL_SECONDS:
            self._parsers[netloc] = cached[0]
        parser = await super().robot_parser(request)
        if parser is not None and (cached is None or cached[0] is not parser):
            _CACHE[netloc] = (parser, time.monotonic())
        return parser


def forget_cached_robots() -> None:
    _CACHE.clear()
