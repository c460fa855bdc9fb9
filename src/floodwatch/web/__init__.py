"""The web console: server-rendered pages at /console on top of the REST API (see docs/console.md).

`install_console(app)` mounts the pages, the static assets shipped in the package (htmx and cytoscape.js are
vendored under static/vendor: nothing is loaded from a CDN) and the console's error pages.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from floodwatch.web.auth import CrossSiteRequest, LoginRequired
from floodwatch.web.client import ApiProblem
from floodwatch.web.render import CONSOLE_PATH, page, secure
from floodwatch.web.routes import router
from floodwatch.web.session import COOKIE, fernet_from_env

STATIC = Path(__file__).parent / "static"


def _login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    query = f"?next={exc.next_path}" + ("&expired=true" if exc.expired else "")
    if request.headers.get("hx-request") == "true":  # a partial: make htmx load the whole login page
        response: Response = Response(status_code=204, headers={"HX-Redirect": f"{CONSOLE_PATH}/login{query}"})
    else:
        response = RedirectResponse(f"{CONSOLE_PATH}/login{query}", status_code=303)
    if exc.expired:
        response.delete_cookie(COOKIE, path=CONSOLE_PATH, secure=True, httponly=True, samesite="strict")
    return secure(response)


def _api_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return page(request, "error.html", status_code=exc.status, problem=exc)


def _cross_site(request: Request, _exc: Exception) -> Response:
    problem = ApiProblem(403, "forbidden", "this form was not sent from a console page")
    return page(request, "error.html", status_code=403, problem=problem)


def install_console(app: FastAPI) -> None:
    app.state.console_fernet = fernet_from_env()
    app.include_router(router)
    app.mount(f"{CONSOLE_PATH}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(LoginRequired, _login_redirect)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(CrossSiteRequest, _cross_site)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{CONSOLE_PATH}/", status_code=307)


__all__ = ["CONSOLE_PATH", "install_console"]
