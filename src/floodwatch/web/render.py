"""Pages out: the Jinja2 templates shipped in the package, one-shot flash messages, the security headers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from floodwatch.web.auth import fernet
from floodwatch.web.session import SESSION_SECONDS, seal, unseal

TEMPLATES = Path(__file__).parent / "templates"
FLASH_COOKIE = "floodwatch_flash"
CONSOLE_PATH = "/console"
# Scripts only from this server (no inline script anywhere); inline styles are needed by the pygal SVGs.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages show who did what: keep them out of shared caches and the back button
}


def when(value: Any) -> str:
    """An API timestamp as `2026-03-04 13:58 UTC` (empty for None)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def past(value: Any) -> bool:
    """Whether an API timestamp lies in the past (a deadline passed)."""
    if not value:
        return False
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) < datetime.now(UTC)


def svg(markup: str | None) -> Markup | None:
    """A chart from `floodwatch.report.charts`: SVG those functions built from numbers and escaped labels."""
    return Markup(markup) if markup else None  # trusted: pygal's output, never user HTML


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters["when"] = when
templates.env.filters["past"] = past
templates.env.filters["svg"] = svg


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered with the flash message of the previous step (then forgotten)."""
    flash = unseal(fernet(request), request.cookies.get(FLASH_COOKIE), max_age=300)
    kind, _, message = (flash or "").partition(":")
    response = templates.TemplateResponse(
        request, name, {"flash": message, "flash_kind": kind, **context}, status_code=status_code
    )
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path=CONSOLE_PATH, secure=True, httponly=True, samesite="strict")
    secure(response)
    return response


def redirect(request: Request, url: str, message: str | None = None, error: bool = False) -> RedirectResponse:
    """303 See Other to `url` (post/redirect/get), carrying a flash message for the next page."""
    response = RedirectResponse(url, status_code=303)
    if message:
        sealed = seal(fernet(request), f"{'error' if error else 'ok'}:{message}")
        response.set_cookie(
            FLASH_COOKIE,
            sealed,
            max_age=min(300, SESSION_SECONDS),
            path=CONSOLE_PATH,
            secure=True,
            httponly=True,
            samesite="strict",
        )
    secure(response)
    return response
