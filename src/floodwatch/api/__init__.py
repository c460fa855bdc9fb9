"""The REST API (FastAPI) over governance and the blacklist federation: `create_app(settings)`."""

from floodwatch.api.app import create_app
from floodwatch.api.settings import Settings

__all__ = ["Settings", "create_app"]
