"""docs/api.md's route table is the OpenAPI document written for people: the same routes, the same request body
fields (optional ones marked `?`), the same route-specific error codes. The auth and success columns are prose and
are not checked here; the tests of each route assert what they say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from authgate.app import create_app
from tests.conftest import make_settings

TABLE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
# codes any route may answer, said once above the table instead of on every row
GENERIC = {
    "BAD_REQUEST",
    "REQUEST_TIMEOUT",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "SERVICE_UNAVAILABLE",
    "VALIDATION_ERROR",
    "ORIGIN_NOT_ALLOWED",
}
# bodies the route reads itself (a form or JSON), so the OpenAPI document has none to compare with
BODY_BY_HAND = {("POST", "/auth/introspect")}
ROW = re.compile(r"^\| (GET|POST|PATCH|PUT|DELETE) \| ([^ |]+) \|(.*)\|\s*$")


class Row:
    def __init__(self, method: str, path: str, cells: list[str]) -> None:
        self.method, self.path = method, path.split("?")[0]
        self.query = set(re.findall(r"[?&]([a-z_]+)=", path))
        self.auth, self.body, self.success, self.errors = cells


def table_rows(text: str) -> dict[tuple[str, str], Row]:
    rows: dict[tuple[str, str], Row] = {}
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            cells = [cell.strip() for cell in match.group(3).split(" | ")]
            assert len(cells) == 4, line
            row = Row(match.group(1), match.group(2), cells)
            assert (row.method, row.path) not in rows, f"{row.method} {row.path} twice"
            rows[(row.method, row.path)] = row
    return rows


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = create_app(make_settings("sqlite:///:memory:")).openapi()
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, ops in document["paths"].items() for method, op in ops.items()}


def body_fields(document: dict[str, Any], op: dict[str, Any]) -> str:
    """`{a, b?}` from the request body schema; "or none" when the body may be left out; "-" without a body."""
    if "requestBody" not in op:
        return "-"
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    optional = False
    if "anyOf" in schema:
        refs = [choice for choice in schema["anyOf"] if "$ref" in choice]
        optional = len(refs) < len(schema["anyOf"])
        schema = refs[0]
    model = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    required = set(model.get("required", []))
    fields = ", ".join(name + ("" if name in required else "?") for name in model["properties"])
    return f"`{{{fields}}}`" + (" or none" if optional else "")


def own_codes(op: dict[str, Any]) -> set[str]:
    codes: set[str] = set()
    for answer in op["responses"].values():
        description = answer.get("description", "")
        if description.startswith("codes:"):
            codes |= {code.strip() for code in description.removeprefix("codes:").split(",")}
    return codes - GENERIC


def mismatches(text: str, document: dict[str, Any]) -> list[str]:
    rows, ops = table_rows(text), operations(document)
    found = [f"not in the table: {m} {p}" for m, p in sorted(ops.keys() - rows.keys())]
    found += [f"not a route: {m} {p}" for m, p in sorted(rows.keys() - ops.keys())]
    for key in sorted(rows.keys() & ops.keys()):
        row, op = rows[key], ops[key]
        if key not in BODY_BY_HAND and row.body != body_fields(document, op):
            found.append(f"{key}: body {row.body} != {body_fields(document, op)}")
        if set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.errors)) != own_codes(op):
            found.append(f"{key}: errors {row.errors} != {sorted(own_codes(op))}")
        query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if row.query != query:
            found.append(f"{key}: query {sorted(row.query)} != {sorted(query)}")
    return found


def test_the_route_table_matches_the_openapi_document() -> None:
    text = TABLE.read_text(encoding="utf-8")
    document = openapi()
    assert mismatches(text, document) == []
    # not vacuous: every route is a row
    assert len(table_rows(text)) == len(operations(document)) > 30


def test_the_check_sees_a_missing_field_a_missing_route_and_a_missing_code() -> None:
    text, document = TABLE.read_text(encoding="utf-8"), openapi()
    signup = "`{email, password, experience_level, professional_role, role_other?, organization?}`"
    assert signup in text
    assert mismatches(text.replace(signup, "`{email, password}`"), document) == [
        f"('POST', '/auth/signup'): body `{{email, password}}` != {signup}"
    ]
    without_login = "\n".join(line for line in text.splitlines() if not line.startswith("| POST | /auth/login |"))
    assert mismatches(without_login, document) == ["not in the table: POST /auth/login"]
    assert any("errors" in m for m in mismatches(text.replace("`EMAIL_ALREADY_EXISTS`; ", "", 1), document))
