"""A live floodwatch server over the demo's data (20k posts, seed 3), people's API keys, and headless Chromium.

The server runs in a thread (uvicorn) on a free port; the demo runs once per module. Chromium is Debian's
/usr/bin/chromium driven by Playwright (no browser download); without it every browser test is skipped, loudly.
Screenshots go to tests/browser/artifacts/ (kept as CI artifacts, ignored by git).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from floodwatch.api import Settings, create_app
from floodwatch.commands.demo import demo_command
from floodwatch.govern import tenants
from floodwatch.govern.db import open_database, transaction
from floodwatch.report.pdf import HEADLESS_FLAGS

CHROMIUM = os.environ.get("FLOODWATCH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
DEMO_POSTS, DEMO_SEED = 20_000, 3
# who logs in: two reviewers (four eyes), an analyst who files the appeal, an admin, and the platform weibo
PEOPLE = {
    "alice": ("regulator", "reviewer"),
    "bob": ("regulator", "reviewer"),
    "carol": ("regulator", "analyst"),
    "admin": ("regulator", "admin"),
    "weibo": ("weibo", "platform"),
}


@dataclass(frozen=True)
class Console:
    base: str
    data_dir: Path
    keys: dict[str, str]

    def url(self, path: str) -> str:
        return self.base + path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _issue_keys(data_dir: Path) -> dict[str, str]:
    engine = open_database(data_dir=data_dir)
    keys: dict[str, str] = {}
    try:
        with transaction(engine) as session:
            for slug in sorted({tenant for tenant, _ in PEOPLE.values()}):
                tenants.create_tenant(session, "setup", slug, slug.title())
            for name, (tenant, role) in PEOPLE.items():
                _, keys[name] = tenants.issue_key(session, "setup", tenant, name, role, rate_per_second=1000)
    finally:
        engine.dispose()
    return keys


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    out = tmp_path_factory.mktemp("console-demo")
    demo_command(out=out, posts=DEMO_POSTS, seed=DEMO_SEED)
    data_dir = out / "data"
    keys = _issue_keys(data_dir)
    port = _free_port()
    app = create_app(Settings(data_dir=data_dir))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console server did not start")
        time.sleep(0.05)
    try:
        yield Console(f"http://127.0.0.1:{port}", data_dir, keys)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.skip(
            f"SKIPPED LOUDLY: no Chromium at {CHROMIUM} — the browser tests need Debian's chromium "
            "(apt-get install -y chromium chromium-driver) or FLOODWATCH_CHROMIUM=/path/to/chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=list(HEADLESS_FLAGS))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A factory of pages, each in a fresh context (its own cookies: one person per context)."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
