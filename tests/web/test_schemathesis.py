"""schemathesis against the OpenAPI schema: no generated request makes the server fail (5xx),
and every response conforms to the schema (documented status code, content type, headers and
body schema; issue 15, Low 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotspotwatch import Workspace
from hotspotwatch.web import create_app
from hotspotwatch.workflows import users as users_wf

from .conftest import populate

pytestmark = pytest.mark.slow
TOKEN: dict[str, str] = {}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from argon2 import PasswordHasher

    saved = users_wf._HASHER
    users_wf._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    from hotspotwatch.workflows.web.cache import reload_config

    ws = Workspace.create(Path(tmp_path_factory.mktemp("schema")) / "ws")
    toml = ws.path / "hotspotwatch.toml"  # no rate limit in the way of the generated cases
    toml.write_text(toml.read_text() + "\n[web]\nexpensive_per_minute = 1000000\n"
                    "expensive_burst = 1000000\n")
    reload_config(ws)
    populate(ws)
    user = users_wf.get_user(ws, "rita")
    assert user is not None
    TOKEN["regional"] = users_wf.issue_token(ws, user, kind="api").token
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(ws))
    users_wf._HASHER = saved
    ws.close()


def test_no_server_error_for_any_generated_request(api_schema: object) -> None:
    tested = []
    for result in api_schema.get_all_operations():  # type: ignore[attr-defined]
        op = result.ok()
        if "logout" in op.path or "revoke" in op.path:
            continue  # would revoke the token the rest of the run uses
        tested.append(f"{op.method.upper()} {op.path}")

        @given(case=op.as_strategy())
        @settings(
            max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case: schemathesis.Case) -> None:
            for headers in ({}, {"Authorization": f"Bearer {TOKEN['regional']}"}):
                response = case.call(headers=headers)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path}: {response.text[:300]}"
                )
                case.validate_response(response, checks=CHECKS)

        run()
    assert len(tested) >= 30
