"""The contract the kit is generated from stays put unless changed on purpose (docs/contract.md).

- every route states its operation id (snake_case, unique), pinned in operation_ids.txt: renaming a function, or
  moving a route to another feature, changes no generated client;
- the committed OpenAPI document and route table are what the code answers today (else: run `make contract`), and no
  environment variable or `.env` file changes them.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from authgate.app import create_app
from authgate.contract import (
    contract_settings,
    openapi_document,
    operation_ids,
    render_openapi,
    render_routes,
)
from authgate.errors import ErrorCode
from authgate.router import create_auth_router

ROOT = Path(__file__).resolve().parents[3]
PINNED = Path(__file__).with_name("operation_ids.txt")
OPENAPI = ROOT / "frontend/packages/docusaurus-plugin-authgate/src/client/generated/openapi.json"
ROUTES = ROOT / "docs/api-routes.md"
STALE = "the committed contract is stale: run `make contract` and commit what it writes"


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    return openapi_document()


def test_operation_ids_are_the_pinned_ones(document: dict[str, object]) -> None:
    # a changed line renames an operation in every generated client: edit operation_ids.txt only on purpose
    assert operation_ids(document) == PINNED.read_text(encoding="utf-8").splitlines()


def test_operation_ids_are_snake_case_and_unique(document: dict[str, object]) -> None:
    ids = [line.rsplit(" ", 1)[-1] for line in operation_ids(document)]
    assert len(ids) == len(set(ids)) > 40
    assert [name for name in ids if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name)] == []


def test_every_route_states_its_operation_id_even_outside_the_document() -> None:
    app = create_app(contract_settings())
    try:
        routes = [route for route in app.routes if isinstance(route, APIRoute)]
        assert "/metrics" in {route.path for route in routes}  # include_in_schema=False, still named
        assert [route.path for route in routes if not route.operation_id] == []
    finally:
        asyncio.run(app.state.authgate.dispose())


def test_a_route_added_without_an_operation_id_is_refused() -> None:
    router = create_auth_router(contract_settings())
    try:
        with pytest.raises(RuntimeError, match="needs an explicit operation_id"):

            @router.get("/unnamed")
            async def unnamed() -> dict[str, str]:
                return {}

    finally:
        asyncio.run(router.gate.dispose())


def test_a_mounted_router_keeps_the_operation_ids(document: dict[str, object]) -> None:
    host = FastAPI()  # the host app's own default naming, for its own routes only
    router = create_auth_router(contract_settings())
    try:
        host.include_router(router, prefix="/api")
        mounted = {line.split(" ", 2)[2] for line in operation_ids(host.openapi())}
        standalone = {line.rsplit(" ", 1)[-1] for line in operation_ids(document) if " /auth/" in line}
        assert mounted == standalone
    finally:
        asyncio.run(router.gate.dispose())


def test_the_committed_openapi_document_is_current(document: dict[str, object]) -> None:
    assert OPENAPI.read_text(encoding="utf-8") == render_openapi(document), STALE


def test_the_committed_route_table_is_current(document: dict[str, object]) -> None:
    assert ROUTES.read_text(encoding="utf-8") == render_routes(document), STALE


def test_the_environment_and_dotenv_change_nothing(
    document: dict[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("API_DOCS=false\nPASSWORD_MAX_LENGTH=20\n", encoding="utf-8")
    monkeypatch.setenv("JWT_SECRET_KEY", "")
    monkeypatch.setenv("PASSWORD_MIN_LENGTH", "12")
    monkeypatch.setenv("INTROSPECTION_SECRET", "")
    assert render_openapi(openapi_document()) == render_openapi(document)


def test_every_error_code_is_in_the_document_as_an_enum(document: dict[str, object]) -> None:
    # the kit's ERROR_CODES (errorCodes.ts) is generated from this list
    committed = json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert committed["components"]["schemas"]["ErrorCode"]["enum"] == [code.value for code in ErrorCode]


def test_each_error_response_lists_its_codes_for_machines(document: dict[str, Any]) -> None:
    # `x-error-codes` is what the route table and generated clients read; the description says the same for people
    known = {code.value for code in ErrorCode}
    checked = 0
    for path, item in document["paths"].items():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if not path.startswith("/auth/") or status.startswith(("2", "3")):
                    continue
                codes = response["x-error-codes"]
                assert set(codes) <= known
                assert response["description"] == f"codes: {', '.join(codes)}"
                checked += 1
    assert checked > 300
