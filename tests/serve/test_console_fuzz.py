"""Fuzz the console API with schemathesis against its own OpenAPI document (in-process ASGI): whatever
the input, the answer is never a server error, and errors keep the one error shape."""

from __future__ import annotations

import schemathesis
from console_helpers import Console
from hypothesis import HealthCheck, settings

console = Console()
admin = console.client("admin")
TOKEN = admin.post("/api/tokens", headers={"x-csrf-token": admin.csrf}).json()["token"]  # type: ignore[attr-defined]
schema = schemathesis.openapi.from_asgi("/api/openapi.json", console.app)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail_with_a_server_error(case: schemathesis.Case) -> None:
    response = case.call(headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        body = response.json()
        assert body["ok"] is False and body["status"] == response.status_code and body["error"]
