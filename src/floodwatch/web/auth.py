"""Who is using the console: the session cookie, the same-origin check on writes, the login redirect.

The user is whoever the API says the sealed key is (`GET /whoami`); every request asks again, so a revoked key or a
disabled tenant is logged out on its next click.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from cryptography.fernet import Fernet
from fastapi import Depends, Request

from floodwatch.web.client import ApiProblem, ConsoleApi
from floodwatch.web.session import COOKIE, unseal

STAFF = frozenset({"admin", "analyst", "reviewer"})  # which pages the navigation offers; the API decides access
MAX_FORM_FIELD = 20_000


class LoginRequired(Exception):
    """No valid session: the console answers with a redirect to the login page."""

    def __init__(self, next_path: str, expired: bool = False) -> None:
        super().__init__(next_path)
        self.next_path, self.expired = next_path, expired


class CrossSiteRequest(Exception):
    """A write that did not come from a console page (belt and braces: the cookie is SameSite=Strict already)."""


@dataclass(frozen=True)
class User:
    key_id: str
    tenant: str
    name: str
    role: str
    actor: str
    api: ConsoleApi

    @property
    def staff(self) -> bool:
        return self.role in STAFF


def fernet(request: Request) -> Fernet:
    value: Fernet = request.app.state.console_fernet
    return value


def here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def current_user(request: Request) -> AsyncIterator[User]:
    """The logged-in user, with an API client acting as them for the rest of the request."""
    presented = unseal(fernet(request), request.cookies.get(COOKIE))
    if presented is None:
        raise LoginRequired(here(request), expired=COOKIE in request.cookies)
    async with ConsoleApi(request.app, presented) as api:
        try:
            who = await api.get("/whoami")
        except ApiProblem as problem:
            if problem.status == 401:
                raise LoginRequired(here(request), expired=True) from None
            raise
        yield User(who["key_id"], who["tenant"], who["name"], who["role"], who["actor"], api)


CurrentUser = Annotated[User, Depends(current_user)]


def check_same_origin(request: Request) -> None:
    """Refuse a write whose Origin (or Sec-Fetch-Site) says it came from another site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise CrossSiteRequest
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise CrossSiteRequest


async def form_fields(request: Request) -> dict[str, str]:
    """An url-encoded form's fields (the first value of each), after the same-origin check.

    Parsed with the standard library: the console's forms are all url-encoded, so python-multipart (Starlette's
    parser for file uploads) would be a dependency for nothing. Request bodies are capped by the API's BodyLimit.
    """
    check_same_origin(request)
    body = (await request.body()).decode("utf-8", errors="replace")
    fields = parse_qs(body, keep_blank_values=True, max_num_fields=100)
    return {name: values[0][:MAX_FORM_FIELD] for name, values in fields.items()}


def safe_next(path: str | None) -> str:
    """Where to go after logging in: a console path only (never another site: no open redirect)."""
    if path and path.startswith("/console/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/console/"
