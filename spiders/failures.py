"""Turning a Twisted/Scrapy failure into one short reason a person can act on."""

from __future__ import annotations

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


def describe_failure(failure: Failure) -> str:
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
        return f"download cancelled ({error})" if str(error) else "download cancelled"
    if isinstance(error, ResponseDataLossError):
        return "the response was cut short"
    if isinstance(error, DownloadFailedError | twisted_errors.ConnectError):
        return f"download failed: {error}"
    if isinstance(error, IgnoreRequest):
        return str(error) or "request refused (robots.txt or a size limit)"
    return f"{type(error).__name__}: {error}"
