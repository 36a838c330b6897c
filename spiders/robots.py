"""robots.txt, read once a day per site by the long-lived crawler rather than once for ever.

Scrapy's middleware keeps each site's parsed robots.txt for the life of the crawler, which
for the daemon is the life of the process: a site that changes its rules would never be
heard. A site whose robots.txt could not be read is allowed, as Scrapy does, and asked again
sooner.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

TTL_SECONDS = 24 * 3600
UNREADABLE_TTL_SECONDS = 3600


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._read_at: dict[str, float] = {}

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        read_at = self._read_at.get(netloc)
        if read_at is not None:
            ttl = UNREADABLE_TTL_SECONDS if self._parsers.get(netloc) is None else TTL_SECONDS
            if time.monotonic() - read_at >= ttl:
                self._parsers.pop(netloc, None)
        if netloc not in self._parsers:
            self._read_at[netloc] = time.monotonic()
        return await super().robot_parser(request)
