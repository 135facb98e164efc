"""schemathesis against the service's own OpenAPI document, over HTTP to a served instance, on SQLite and on
PostgreSQL + Redis: no 500, every status and body documented, schema-violating input refused (backend/schemathesis.toml
says which checks run and why).

Each operation gets generated bodies, parameters and headers; half the examples carry a valid access token (so the
routes behind it are reached; its reader may be deleted or signed out along the way: the documented 401s cover it)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from authgate.app import create_app
from tests.conftest import RELAXED_RATE_LIMITS, TEST_REDIS_URL, make_settings, signup_body
from tests.serving import cli_env, run_cli, served

EXAMPLES_PER_OPERATION = 40


@pytest.fixture
def served_api(database_url: str) -> Iterator[tuple[str, str]]:
    extra = {name.upper(): value for name, value in RELAXED_RATE_LIMITS.items()}
    if database_url.startswith("postgresql"):
        extra["REDIS_URL"] = TEST_REDIS_URL
    env = cli_env(database_url, **extra)
    assert run_cli("migrate", env=env).returncode == 0
    with served(env) as base:
        token = httpx.post(f"{base}/auth/signup", json=signup_body()).json()["access_token"]
        yield base, token


def test_every_operation_answers_as_documented(served_api: tuple[str, str]) -> None:
    base, token = served_api
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: dict[str, str] = {}
    operations = 0
    for found in schema.get_all_operations():
        operation = found.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def answers_as_documented(case: schemathesis.Case) -> None:
            headers = {}
            given_headers = {key.lower() for key in (case.headers or {})}
            # half the examples signed in (the routes behind the token are reached), half as generated
            if "authorization" not in given_headers and len(repr(case.body)) % 2 == 0:
                headers["Authorization"] = f"Bearer {token}"
            case.call_and_validate(base_url=base, headers=headers)

        try:
            answers_as_documented()
        except Exception as error:  # noqa: BLE001 - collected per operation, reported together
            failures[operation.label] = str(error)[:3000]
    assert operations > 40
    assert failures == {}


def test_the_schema_has_a_bearer_scheme_for_the_authorize_button(database_url: str) -> None:
    document = create_app(make_settings(database_url)).openapi()
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token from sign-in, refresh or sign-up",
    }
    assert document["paths"]["/auth/me/export"]["get"]["security"] == [{"HTTPBearer": []}]
    # our own 422 shape everywhere, not FastAPI's default
    assert "HTTPValidationError" not in document["components"]["schemas"]
