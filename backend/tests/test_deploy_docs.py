"""docs/deploy.md names only settings that exist: every UPPER_CASE name that looks like a setting is a field of
`Settings` (an error code, a JWT algorithm, or one of the few other names listed here is not a setting and is
allowed)."""

from __future__ import annotations

import re
from pathlib import Path

from authgate.errors import ErrorCode
from authgate.security.access_tokens import ALLOWED_ALGORITHMS
from authgate.settings import Settings

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
# names in the guide that are not settings, each for a reason
NOT_SETTINGS = {
    "AUTHGATE_DOCTOR_PASSWORD": "read by `authgate doctor` only, to keep a test password out of the process list",
}
# NAME_WITH_UNDERSCORES anywhere; `NAME` or `NAME=value` in code spans and lines of code blocks (catches METRICS)
UNDERSCORED = re.compile(r"(?<![A-Za-z0-9_$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_])")
SPAN = re.compile(r"`([^`\n]+)`")
ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
ALONE = re.compile(r"^([A-Z][A-Z0-9_]*)(?:=.*)?$")
# RATE_LIMIT_* and OAUTH_*_CLIENT_SECRET name families of settings
FAMILY = re.compile(r"^([A-Z][A-Z0-9_]*?)_?\*(?:_([A-Z0-9_]+))?$")


def setting_like_names(text: str) -> set[str]:
    names = set(UNDERSCORED.findall(text))
    names |= set(ASSIGNMENT.findall(text))
    for span in SPAN.findall(text):
        alone = ALONE.match(span.strip())
        if alone:
            names.add(alone.group(1))
        names |= set(ASSIGNMENT.findall(span))
    return names


def families(text: str) -> set[str]:
    return {match.group(0) for span in SPAN.findall(text) if (match := FAMILY.match(span.strip()))}


SETTINGS = {name.upper() for name in Settings.model_fields}
# values, not names: error codes and JWT_ALGORITHM's algorithms
CODES = {code.value for code in ErrorCode} | set(ALLOWED_ALGORITHMS)


def unknown(text: str) -> set[str]:
    names = setting_like_names(text) - SETTINGS - CODES - set(NOT_SETTINGS)
    # a family's prefix alone (RATE_LIMIT in `RATE_LIMIT_*`) is part of a pattern, checked below
    prefixes = {match.group(1) for family in families(text) if (match := FAMILY.match(family))}
    return names - prefixes


def test_every_setting_the_guide_names_exists() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert unknown(text) == set()
    # the guide does name settings: the extraction is not vacuous
    assert {"DATABASE_URL", "FORWARDED_ALLOW_IPS", "COOKIE_SAMESITE", "METRICS", "METRICS_TOKEN", "LOG_FORMAT"} <= (
        setting_like_names(text)
    )


def test_every_family_of_settings_the_guide_names_matches_some() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for family in families(text):
        match = FAMILY.match(family)
        assert match is not None
        prefix, suffix = match.group(1), match.group(2) or ""
        assert any(s.startswith(prefix) and s.endswith(suffix) for s in SETTINGS), family


def test_the_names_allowed_without_being_settings_are_not_settings() -> None:
    assert not set(NOT_SETTINGS) & SETTINGS


def test_the_check_sees_a_misspelt_setting() -> None:
    assert unknown("Set `COOKIE_SECURED=true` behind TLS.") == {"COOKIE_SECURED"}
    assert unknown("```bash\nMETRIC=false\n```") == {"METRIC"}
    assert unknown("`METRICS` and `METRICS=false` and REDIS_URLS") == {"REDIS_URLS"}
    assert unknown("403 `ORIGIN_NOT_ALLOWED`, `$PORT`, `GET /healthz`, `ES256`") == set()
