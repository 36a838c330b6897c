"""Turning a Twisted/Scrapy failure into one short reason a person can act on."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure


def _host(failure: Failure) -> str:
    request = getattr(failure, "request", None)
    return urlsplit(request.url).hostname or "?" if request is not None else "the host"


def failed_url(failure: Failure) -> str:
    """The URL the spider asked for, before any redirect: the one its source listed."""
    request = getattr(failure, "request", None)
    if request is None:
        return "?"
    redirected: list[str] = request.meta.get("redirect_urls", [])
    return redirected[0] if redirected else str(request.url)


# Scrapy's own wording, read back to give the numbers in ours.
_MAXSIZE = re.compile(r"(\d+) bytes which is larger than download max size \((\d+)\)")


def _redirects(failure: Failure) -> str:
    request = getattr(failure, "request", None)
    urls: list[str] = list(request.meta.get("redirect_urls", [])) if request is not None else []
    if request is not None:
        urls.append(request.url)
    hops = max(len(urls) - 1, 0)
    if len(set(urls)) < len(urls):
        return f"redirect loop: too many redirects ({hops}) between {len(set(urls))} addresses"
    return f"too many redirects ({hops}), the last to {urls[-1] if urls else '?'}"


_INFLATED = re.compile(r"\((\d+) B compressed.*DOWNLOAD_MAXSIZE \((\d+) B\) during decompression")


def _too_large(error: Exception) -> str | None:
    inflated = _INFLATED.search(str(error))
    if inflated is not None:
        size, limit = inflated.groups()
        return (
            f"larger than the size limit (max_page_bytes = {limit}) once decompressed: "
            f"{size} bytes of compressed data (a decompression bomb?)"
        )
    found = _MAXSIZE.search(str(error))
    if found is None:
        return None
    size, limit = found.groups()
    return f"larger than the size limit (max_page_bytes = {limit}): {size} bytes"


def describe_failure(failure: Failure, max_bytes: int | None = None) -> str:
    """The reason; `max_bytes` is the size limit the request was under, for the one failure
    Scrapy gives no words to (an answer of unknown size that streamed past the limit)."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    if isinstance(error, CannotResolveHostError | twisted_errors.DNSLookupError):
        return f"DNS lookup failed for {_host(failure)} (unknown host, or no network)"
    if isinstance(error, DownloadConnectionRefusedError | twisted_errors.ConnectionRefusedError):
        return f"connection refused by {_host(failure)}"
    if isinstance(error, DownloadTimeoutError | twisted_errors.TimeoutError):
        return f"timed out ({error})" if str(error) else "timed out"
    if isinstance(error, DownloadCancelledError):
        too_large = _too_large(error)
        if too_large is not None:
            return too_large
        if str(error):
            return f"download cancelled ({error})"
        if max_bytes is not None:
            # Timeouts have their own error; a bare cancel is the size check of a body that
            # gave no Content-Length (an endless chunked answer), or the crawler stopping.
            return f"larger than the size limit (max_page_bytes = {max_bytes}) as it streamed in"
        return "download cancelled"
    if isinstance(error, ResponseDataLossError):
        return "the response was cut short"
    if isinstance(error, DownloadFailedError | twisted_errors.ConnectError):
        return f"download failed: {error}"
    if isinstance(error, IgnoreRequest) and "max redirections" in str(error):
        return _redirects(failure)
    if isinstance(error, IgnoreRequest) and (too_large := _too_large(error)) is not None:
        return too_large
    if isinstance(error, IgnoreRequest):
        return str(error) or "request refused (robots.txt or a size limit)"
    return f"{type(error).__name__}: {error}"
