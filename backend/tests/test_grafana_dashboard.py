"""docs/grafana/authgate.json asks Prometheus only for metrics and labels authgate exposes (authgate/observability.py),
and shows every one of them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.metrics import MetricWrapperBase

from authgate import observability

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana" / "authgate.json"
# labels Prometheus adds to every scraped series
SCRAPE_LABELS = {"job", "instance"}
FUNCTIONS = {
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "rate",
    "irate",
    "increase",
    "histogram_quantile",
    "label_values",
    "clamp_min",
    "topk",
}
KEYWORDS = {"by", "without", "on", "ignoring", "and", "or", "unless", "bool"}
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


@dataclass(frozen=True)
class Family:
    labels: frozenset[str]
    samples: frozenset[str]


def exposed() -> dict[str, Family]:
    """Every sample name authgate exposes, with the labels of its family."""
    families: dict[str, Family] = {}
    for value in vars(observability).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        (described,) = value.describe()
        name, kind = described.name, described.type
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}[kind]
        labels = frozenset(value._labelnames)
        family = Family(labels, frozenset(name + suffix for suffix in suffixes))
        for sample in family.samples:
            families[sample] = family
    return families


@dataclass
class Query:
    metrics: set[str] = field(default_factory=set)
    # (metric, label) pairs from selectors, and labels of by/without groupings
    matched_labels: set[tuple[str, str]] = field(default_factory=set)
    grouping_labels: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)


def parse(expr: str) -> Query:
    """The metric names, label names and functions a PromQL expression (or a Grafana label_values query) uses."""
    query = Query()
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\[[^\]]*\]", "", text)  # range selectors, [$__rate_interval]
    for name, matchers in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", text):
        query.metrics.add(name)
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers):
            query.matched_labels.add((name, label))
    text = re.sub(r"\{[^}]*\}", "", text)
    for grouping in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", text):
        query.grouping_labels.update(label.strip() for label in grouping.split(",") if label.strip())
    text = re.sub(r"\b(?:by|without)\s*\([^)]*\)", "", text)
    label_values = re.fullmatch(r"\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*(\w+)\s*\)\s*", text)
    if label_values:
        query.functions.add("label_values")
        query.metrics.add(label_values.group(1))
        query.matched_labels.add((label_values.group(1), label_values.group(2)))
        return query
    for match in IDENTIFIER.finditer(text):
        word = match.group(0)
        if word.startswith("$") or word in KEYWORDS:
            continue
        if text[match.end() :].lstrip().startswith("("):
            query.functions.add(word)
        else:
            query.metrics.add(word)
    return query


def expressions(node: Any) -> Iterator[str]:
    """Every PromQL expression of the dashboard: panel targets and templating queries."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "definition") and isinstance(value, str):
                yield value
            elif key == "query" and isinstance(value, str) and "label_values" in value:
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


def problems(expr: str, families: dict[str, Family]) -> list[str]:
    query = parse(expr)
    found = []
    unknown = sorted(query.metrics - set(families))
    if unknown:
        found.append(f"unknown metric(s) {unknown}")
    if query.functions - FUNCTIONS:
        found.append(f"unexpected function(s) {sorted(query.functions - FUNCTIONS)}")
    for metric, label in sorted(query.matched_labels):
        family = families.get(metric)
        allowed = (family.labels if family else set()) | SCRAPE_LABELS
        if label not in allowed:
            found.append(f"{metric} has no label {label!r}")
    used_families = [families[m] for m in query.metrics if m in families]
    grouping_allowed = set(SCRAPE_LABELS).union(*(family.labels for family in used_families))
    if any(m.endswith("_bucket") for m in query.metrics):
        grouping_allowed.add("le")
    for label in sorted(query.grouping_labels - grouping_allowed):
        found.append(f"grouping by {label!r}, which none of {sorted(query.metrics)} has")
    return found


def test_every_metric_and_label_the_dashboard_asks_for_exists() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    families = exposed()
    found = list(expressions(dashboard))
    assert len(found) >= 15
    wrong = {expr: problems(expr, families) for expr in found if problems(expr, families)}
    assert wrong == {}


def test_the_dashboard_shows_every_metric_authgate_exposes() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    used = set().union(*(parse(expr).metrics for expr in expressions(dashboard)))
    families = exposed()
    shown = {id(families[name]) for name in used if name in families}
    missing = sorted({min(f.samples) for f in families.values() if id(f) not in shown})
    assert missing == []


def test_the_dashboard_uses_one_datasource_variable_and_unique_panel_ids() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    variables = {item["name"]: item for item in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
            assert all(target["expr"] for target in panel["targets"])


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        ("rate(authgate_nope_total[5m])", "unknown metric"),
        ('sum by (route) (rate(authgate_mail_total{outcome="sent"}[5m]))', "grouping by 'route'"),
        ('sum(rate(authgate_sign_ins_total{provider="github"}[5m]))', "no label 'provider'"),
        ("authgate_http_requests", "unknown metric"),
        ("histogram_quantile(0.9, sum by (le) (rate(authgate_http_request_duration_seconds[5m])))", "unknown"),
        ("label_values(authgate_mail_total, rule)", "no label 'rule'"),
    ],
)
def test_the_check_sees_a_wrong_name_or_label(expr: str, problem: str) -> None:
    assert any(problem in found for found in problems(expr, exposed()))
