"""Turning a Twisted/Scrapy failure into one short reason a person can act on."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived


def describe_failure(failure: Failure) -> str:
    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    if isinstance(error, DNSLookupError):
        return "DNS lookup failed (host unknown or no network)"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | TCPTimedOutError):
        return "timed out"
    if isinstance(error, ConnectError):
        return f"cannot connect: {error.osError or error}"
    if isinstance(error, ResponseNeverReceived):
        reasons = "; ".join(r.getErrorMessage() for r in error.reasons)
        return f"no response ({reasons})" if reasons else "no response"
    if isinstance(error, IgnoreRequest):
        return str(error) or "request refused (robots.txt or a size limit)"
    return f"{type(error).__name__}: {error}"
