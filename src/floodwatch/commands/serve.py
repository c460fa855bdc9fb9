"""`floodwatch serve`: the REST API (/api/v1) with uvicorn, on the governance database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from sqlalchemy.engine import make_url

from floodwatch.commands.common import DataDirOption, console, fail
from floodwatch.commands.govern import DbOption, PolicyOption
from floodwatch.govern.db import resolve_database_url
from floodwatch.govern.errors import GovernanceError


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    policy: PolicyOption = None,
    federation_key: Annotated[
        Optional[Path],
        typer.Option("--federation-key", help="Federation key file \\[default: $FLOODWATCH_FEDERATION_KEY]."),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log each request (method, path, status; never bodies).")] = True,
) -> None:
    """Serve the REST API and the web console: OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs, the console
    at /console/.

    Without a federation key the server still stores and matches keyed hashes; it refuses the raw-value
    convenience endpoints and delists after appeals by case reference only.
    """
    import uvicorn

    from floodwatch.api import Settings, create_app
    from floodwatch.federation.identifiers import load_key

    try:
        settings = Settings.from_env(db, data_dir, policy)
        if federation_key is not None:
            settings = Settings(**{**settings.__dict__, "federation_key": load_key(federation_key)})
        app = create_app(settings)
    except (GovernanceError, ValueError, OSError) as exc:
        raise fail(str(exc)) from None
    shown = make_url(resolve_database_url(db, data_dir)).render_as_string(hide_password=True)
    base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    console.print(f"floodwatch API on {base}/api/v1 (docs: /api/v1/docs), database {shown}")
    console.print(f"web console: {base}/console/ (log in with an API key from `floodwatch tenants issue-key`)")
    if settings.federation_key is None:
        console.print("[yellow]no federation key:[/] raw-value convenience endpoints are off")
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info")
