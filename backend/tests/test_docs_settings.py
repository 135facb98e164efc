"""Every setting is documented: each field of `Settings` is named, as its environment variable, on some page of
docs/ (most in docs/configuration.md; the providers', second factors' and members-only settings on their own pages).
The reverse, that the docs name no setting that does not exist, is tests/test_deploy_docs.py's check of the guide."""

from __future__ import annotations

from pathlib import Path

from authgate.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def undocumented(text: str) -> list[str]:
    return sorted(name.upper() for name in Settings.model_fields if f"`{name.upper()}" not in text)


def test_every_setting_is_named_in_the_docs() -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in sorted(DOCS.glob("*.md")))
    assert undocumented(text) == []


def test_the_check_sees_a_setting_no_page_names() -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in sorted(DOCS.glob("*.md")))
    assert undocumented(text.replace("`MEMBERS_CONTENT_DIR", "`MEMBERS_DIR")) == ["MEMBERS_CONTENT_DIR"]
