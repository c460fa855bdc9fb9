"""Property-based fuzzing of the whole OpenAPI document (schemathesis): no input may cause a server error.

Bounded: a fixed number of examples per operation, with an admin key (so requests get past authentication and
reach the handlers) against a fresh SQLite database holding a few entries. Marked slow; well under 2 minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from floodwatch.api import Settings, create_app
from tests.api.conftest import FEDERATION_KEY, entry, phone_hash, seed

EXAMPLES_PER_OPERATION = 12


@pytest.mark.slow
def test_no_input_causes_a_server_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'governance.sqlite'}"
    keys = seed(url)
    app = create_app(Settings(database_url=url, data_dir=tmp_path, federation_key=FEDERATION_KEY, rate_per_second=1e6))
    with TestClient(app) as client:
        platform = {"Authorization": f"Bearer {keys['platform']}"}
        client.post("/api/v1/blacklist/entries", json={"entries": [entry(phone_hash("13800138000"))]}, headers=platform)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=admin, checks=[not_a_server_error])

        fuzz()
