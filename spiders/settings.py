"""Scrapy settings derived from the `[crawl]` section."""

from __future__ import annotations

from typing import Any

from spiders.config import CrawlConfig


def scrapy_settings(crawl: CrawlConfig) -> dict[str, Any]:
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        "ROBOTSTXT_USER_AGENT": crawl.user_agent,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout_seconds,
        "DNS_TIMEOUT": min(crawl.download_timeout_seconds, 20.0),
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_requests_per_domain,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": crawl.autothrottle_start_delay_seconds,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrent_requests_per_domain),
        "RETRY_TIMES": crawl.retry_times,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # The pipeline only queues the page (one item per response), so items gain nothing
        # from running side by side, while Scrapy starts this many tasks for every response.
        "CONCURRENT_ITEMS": 1,
        # Scrapy parses each new callback's source to warn about `return value` in generators;
        # every poll brings new callbacks, and ruff already checks our code for that.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "LOG_ENABLED": False,
        "DOWNLOADER": "spiders.downloader.PoliteDownloader",
        # Parts of Scrapy each request passes through that do nothing for us: no spider names
        # allowed domains, the polls track link depth and follow each link once themselves,
        # and Scrapy's stats are not read. An unchanged feed's poll is a single request, so
        # these are a good share of its cost.
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "spiders.robots.CachedRobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
            "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
        },
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        "EXTENSIONS": {
            "scrapy.extensions.memusage.MemoryUsage": None,
            "scrapy.extensions.logstats.LogStats": None,
            "scrapy.extensions.corestats.CoreStats": None,
        },
        "ITEM_PIPELINES": {
            "spiders.pipelines.ArticlePipeline": 100,
        },
    }
