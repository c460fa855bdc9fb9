"""One error body for every failure: `{"error": {"code", "message", "details"}}`, and the handlers that make it.

Refusals of governance (not found, wrong state, four-eyes, stale version) keep their own words; a request the
server could not read (malformed JSON, wrong types, too large) is a 4xx naming what was wrong; anything
unexpected is a 500 whose body says nothing of the internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from floodwatch.federation.bundles import BundleError
from floodwatch.govern.errors import (
    ConflictError,
    GovernanceError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
)

logger = logging.getLogger("floodwatch.api")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details, self.headers = status, code, message, details, headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _governance_status(exc: GovernanceError) -> tuple[int, str]:
    if isinstance(exc, NotFoundError):
        return 404, "not_found"
    if isinstance(exc, PermissionDeniedError):
        return 403, "forbidden"
    if isinstance(exc, ConflictError | InvalidTransitionError):
        return 409, "conflict"
    return 422, "refused"


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and what, without echoing the input (it may be a raw identifier)."""
    return [{"loc": list(e.get("loc", ())), "type": e.get("type"), "message": e.get("msg")} for e in exc.errors()]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        if any(d["type"] == "json_invalid" for d in details):
            return _response(400, "malformed_json", "the request body is not valid JSON", details)
        unread = [
            e for e in exc.errors() if list(e.get("loc", ())) == ["body"] and isinstance(e.get("input"), bytes | str)
        ]
        if unread:  # a body that was not parsed as JSON at all
            message = "the request body must be a JSON object (send Content-Type: application/json)"
            return _response(400, "malformed_json", message, details)
        return _response(422, "invalid_request", "the request does not match the API's schema", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        return _response(exc.status_code, code, str(exc.detail), None, dict(exc.headers or {}))

    @app.exception_handler(GovernanceError)
    async def _refused(_request: Request, exc: GovernanceError) -> JSONResponse:
        status, code = _governance_status(exc)
        return _response(status, code, str(exc))

    @app.exception_handler(BundleError)
    async def _bundle(_request: Request, exc: BundleError) -> JSONResponse:
        return _response(422, "invalid_bundle", str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)  # path only: no query
        return _response(500, "internal", "the server failed to handle this request; nothing was written")
