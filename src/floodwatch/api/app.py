"""The REST API: `create_app(settings)` builds the FastAPI application served under /api/v1.

OpenAPI at /api/v1/openapi.json, the interactive docs page at /api/v1/docs. The database is the governance
database (SQLite in the data dir by default, PostgreSQL via $FLOODWATCH_DATABASE_URL), migrated on first use.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from floodwatch import __version__
from floodwatch.api.deps import Database, read_engine
from floodwatch.api.errors import error_body, install_error_handlers
from floodwatch.api.ratelimit import TokenBuckets
from floodwatch.api.routers import actions, appeals, blacklist, campaigns, cases, findings, notices, reports, tenants
from floodwatch.api.settings import Settings
from floodwatch.govern.db import open_database, resolve_database_url
from floodwatch.govern.policy import load_policy
from floodwatch.web import install_console

PREFIX = "/api/v1"


class BodyLimit:
    """Refuse request bodies over `limit` bytes with a 413: by Content-Length up front, else while reading.

    The body is read here in full (it is at most `limit` bytes) and replayed to the app, so a chunked body that
    grows too large is refused before any route sees it.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await self._refuse(send)
                return
            if not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        message = f"the request body is larger than the limit of {self.limit:,} bytes"
        body = json.dumps(error_body("body_too_large", message)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None) -> FastAPI:
    config = settings or Settings.from_env()
    url = resolve_database_url(config.database_url, config.data_dir)
    writer = open_database(url)
    if url.startswith("sqlite"):  # WAL: readers keep reading while one writer writes (persistent per file)
        raw = writer.raw_connection()  # outside any transaction: pysqlite runs in autocommit here (govern/db.py)
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
        finally:
            raw.close()
    database = Database(writer, read_engine(url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        database.writer.dispose()
        database.reader.dispose()

    app = FastAPI(
        title="floodwatch",
        version=__version__,
        description=(
            "Findings, cases, enforcement, appeals, oversight, campaigns, transparency reports and the "
            "cross-platform blacklist federation. Authenticate with `Authorization: Bearer <API key>`. "
            'Every error is `{"error": {"code", "message", "details"}}`.'
        ),
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = config
    app.state.database = database
    app.state.policy = load_policy(config.policy_path)
    app.state.buckets = TokenBuckets()
    install_error_handlers(app)
    for module in (tenants, findings, cases, actions, appeals, notices, campaigns, blacklist, reports):
        app.include_router(module.router, prefix=PREFIX)
    install_console(app)  # the web console at /console, a client of the routes above
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)
    return app


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every API operation, as the OpenAPI document lists them."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return sorted((method.upper(), path) for path, operations in paths.items() for method in operations)
