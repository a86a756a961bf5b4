"""schemathesis against the OpenAPI schema: no generated request makes the server fail (5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from hotspotwatch import Workspace
from hotspotwatch.web import create_app
from hotspotwatch.workflows import users as users_wf

from .conftest import populate

pytestmark = pytest.mark.slow
TOKEN: dict[str, str] = {}


@pytest.fixture
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from argon2 import PasswordHasher

    saved = users_wf._HASHER
    users_wf._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    ws = Workspace.create(Path(tmp_path_factory.mktemp("schema")) / "ws")
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

        run()
    assert len(tested) >= 30
