"""The console's way to the data: the REST API itself, called in-process with the logged-in user's key.

Every read and write the console makes goes through the same routes, schemas and role checks as any API client
(httpx's ASGI transport: no socket, no second copy of the rules), so a platform key sees in the console exactly
what it would see with curl, and a refused step comes back as the API's own error message.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.types import ASGIApp

API_PREFIX = "/api/v1"
PAGE = 1000  # the API's largest page


class ApiProblem(Exception):
    """An API error: its status, code and message, as `{"error": {...}}` carries them."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ConsoleApi:
    """The API as one user: `await api.get("/cases", state="open")`, `await api.post("/cases/C-1/review")`."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://console.internal" + API_PREFIX,
            headers={"Authorization": f"Bearer {api_key}"},
        )

    async def __aenter__(self) -> ConsoleApi:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._client.aclose()

    async def get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return self._answer(await self._client.get(path, params=query))

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._answer(await self._client.post(path, json=body or {}))

    async def every(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list, following `next_cursor`."""
        items: list[Any] = []
        cursor: str | None = None
        while True:
            page = await self.get(path, limit=PAGE, cursor=cursor, **params)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    @staticmethod
    def _answer(response: httpx.Response) -> Any:
        if response.is_success:
            return response.json()
        try:
            error = response.json()["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            code, message = "error", f"the API answered {response.status_code}"
        raise ApiProblem(response.status_code, code, message)
