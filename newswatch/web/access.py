"""Who may use the review UI, and what a page may do in the browser.

- Loopback only, unless an access token is configured (`[web] token_env` names the
  environment variable): `newswatch serve` refuses any other address without one. With a
  token, every request needs it: `Authorization: Bearer TOKEN`, the cookie the UI sets, or
  `?token=TOKEN` once (answered with that cookie and a redirect to the same page without it).
  Anything else gets 401 and no data.
- Forms that change state are POSTs carrying a CSRF token equal to the `nw_csrf` cookie
  (double submit; the cookie is SameSite=Strict), and the Origin, when sent, is ours.
- A strict Content-Security-Policy: our own script and style only, no inline script, no
  plugins, so an article's HTML could not run even if escaping failed somewhere.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlencode, urlsplit

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp

TOKEN_COOKIE = "nw_token"
CSRF_COOKIE = "nw_csrf"
CSRF_FIELD = "csrf"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def csrf_token(request: Request) -> str:
    """The token forms must send back: the request's cookie, or the one this response sets."""
    token: str = request.state.csrf
    return token


class AccessMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if self.token is not None:
            given = request.query_params.get("token")
            if _same(given, self.token):
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
                response: Response = RedirectResponse(target, status_code=303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                return response
            header = request.headers.get("authorization", "")
            bearer = header[7:] if header.lower().startswith("bearer ") else None
            if not (
                _same(bearer, self.token) or _same(request.cookies.get(TOKEN_COOKIE), self.token)
            ):
                return PlainTextResponse(
                    "401: this Newswatch needs its access token", status_code=401
                )
        cookie = request.cookies.get(CSRF_COOKIE)
        request.state.csrf = cookie or secrets.token_urlsafe(24)
        if request.method not in ("GET", "HEAD"):
            origin = request.headers.get("origin")
            if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
                return PlainTextResponse("403: cross-origin form", status_code=403)
            await request.body()  # cached, so the endpoint reads the same form again
            form = await request.form()
            sent = form.get(CSRF_FIELD)
            if cookie is None or not isinstance(sent, str) or not _same(sent, cookie):
                return PlainTextResponse("403: missing or stale form token", status_code=403)
        response = await call_next(request)
        if cookie is None:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        response.headers["content-security-policy"] = POLICY
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "same-origin"  # no-referrer would make Origin "null"
        return response
