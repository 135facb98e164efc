"""The layers read from the tree stay true, and what the features declare matches what the code does.

- foundations (the security core, settings, db, errors, identifiers, transport, routing, the runtime, the feature
  declaration) import no feature;
- features import foundations, the shared route module and each other's services, never a router of another feature
  nor the composition (the router factory, the app, the CLI);
- every table is some feature's, every rate-limit setting one feature's, every error code someone's.

Imports are read from the source (ast), at run time only: names imported under `if TYPE_CHECKING:` are for the type
checker and create no dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import authgate.models  # noqa: F401 - every table on the metadata
from authgate.db import Base
from authgate.errors import HTTP_ERROR_CODES, REQUEST_ERRORS, ErrorCode
from authgate.events.service import EventType
from authgate.ratelimit.limiter import RULES
from authgate.router import FEATURES

PACKAGE = Path(authgate.models.__file__).parent
FOUNDATIONS = {
    "security",
    "settings",
    "db",
    "errors",
    "identifiers",
    "transport",
    "routing",
    "gate",
    "feature",
    "observability",
}
COMPOSITION = {"router", "app", "cli", "admin", "doctor", "models", "migrate", "migrations", "contract", "__init__"}


def unit_of(module: str) -> str:
    """The top-level unit a module belongs to: `authgate.accounts.service` → `accounts`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def runtime_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for orelse in child.orelse:
                    visit(orelse)
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("authgate"):
                found.add(child.module)
                found.update(f"{child.module}.{alias.name}" for alias in child.names)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names if alias.name.startswith("authgate"))
            visit(child)

    visit(tree)
    return found


def modules() -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        graph[".".join(relative.parts)] = runtime_imports(path)
    return graph


def test_foundations_import_no_feature() -> None:
    wrong = {
        (module, imported)
        for module, imports in modules().items()
        if unit_of(module) in FOUNDATIONS
        for imported in imports
        if unit_of(imported) not in FOUNDATIONS
    }
    assert wrong == set()


def test_features_import_neither_the_composition_nor_another_features_routes() -> None:
    wrong = set()
    for module, imports in modules().items():
        unit = unit_of(module)
        if unit in FOUNDATIONS or unit in COMPOSITION:
            continue
        for imported in imports:
            other = unit_of(imported)
            into_composition = other in COMPOSITION
            into_other_router = other != unit and ".router" in imported.removeprefix(f"authgate.{other}")
            if into_composition or into_other_router:
                wrong.add((module, imported))
    assert wrong == set()


def test_the_layer_test_sees_a_breach() -> None:
    # the two tests above would pass vacuously if the graph were empty or misread
    graph = modules()
    assert "authgate.transport" in graph and "authgate.settings" in graph["authgate.transport"]
    assert any(unit_of(i) == "accounts" for i in graph["authgate.router"])


def test_every_table_is_declared_by_exactly_one_feature() -> None:
    declared = [table for feature in FEATURES for table in feature.tables]
    assert sorted(declared) == sorted(set(declared))
    assert set(declared) == set(Base.metadata.tables)


def test_every_rate_limit_rule_belongs_to_exactly_one_feature() -> None:
    declared = [rule for feature in FEATURES for rule in feature.rate_limits]
    assert sorted(declared) == sorted(set(declared))
    assert set(declared) == set(RULES)


def test_every_event_type_is_declared_by_exactly_one_feature() -> None:
    declared = [event for feature in FEATURES for event in feature.events]
    assert sorted(declared) == sorted(set(declared))
    assert set(declared) == set(EventType)


def test_every_error_code_is_somebodys() -> None:
    declared = {error.code for feature in FEATURES for error in feature.errors}
    declared |= {error.code for error in REQUEST_ERRORS}
    declared |= set(HTTP_ERROR_CODES.values())
    assert declared == set(ErrorCode)
