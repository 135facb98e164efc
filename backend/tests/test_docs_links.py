"""The repository's Markdown links lead somewhere: every relative link in a `.md` file (the README, docs/, the kit's
README, every other README) names a file or folder that exists, and a `#anchor` names a heading of the page it points
at (GitHub's slugs). No Markdown file cites files outside the repository (the quickstart lives in docs/quickstart.md).
Links inside code blocks and code spans are examples, not links, and absolute URLs and site paths (`/auth/login`) are
not files of the repository: neither is checked."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# build output, installed packages and test artifacts are not the repository's own pages
SKIPPED_DIRS = {".git", ".venv", "node_modules", ".docusaurus", "build", "lib", "artifacts", ".pytest_cache"}
# what a page must never cite: the docs team's folder outside this repository
OUTSIDE = ("shared/seed", "../shared")

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
NOT_A_FILE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|//)", re.IGNORECASE)


def markdown_files(root: Path = REPO) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.md")
        if not SKIPPED_DIRS & set(path.relative_to(root).parts[:-1]) and path.is_file()
    )


def prose_lines(text: str) -> list[str]:
    """The page's lines outside fenced code blocks, with code spans blanked."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(CODE_SPAN.sub("``", line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: formatting dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        found |= set(HTML_ANCHOR.findall(line))
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(text: str) -> list[str]:
    targets: list[str] = []
    for line in prose_lines(text):
        targets += INLINE_LINK.findall(line)
        reference = REFERENCE_LINK.match(line)
        if reference:
            targets.append(reference.group(1))
    return targets


def broken_links(page: Path, text: str | None = None) -> list[str]:
    text = page.read_text(encoding="utf-8") if text is None else text
    broken = []
    for target in links(text):
        if NOT_A_FILE.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif REPO not in destination.parents and destination != REPO:
            broken.append(f"{target}: outside the repository")
        elif anchor and destination.suffix == ".md":
            own = text if not path_part else destination.read_text(encoding="utf-8")
            if anchor not in anchors(own):
                broken.append(f"{target}: no heading #{anchor}")
    return broken


def test_every_relative_link_in_the_markdown_leads_to_a_file_and_heading() -> None:
    pages = markdown_files()
    # the pages this test is for are among them (the walk is not vacuous)
    named = {page.relative_to(REPO).as_posix() for page in pages}
    assert {"README.md", "docs/api.md", "docs/deploy.md", "frontend/packages/docusaurus-plugin-authgate/README.md"} <= (
        named
    )
    broken = {page.relative_to(REPO).as_posix(): found for page in pages if (found := broken_links(page))}
    assert broken == {}
    # and there are links to check: the README links every reference page
    assert sum(len(links(page.read_text(encoding="utf-8"))) for page in pages) > 60


def cites_outside(text: str) -> list[str]:
    return [word for word in OUTSIDE if word in text]


def test_no_markdown_cites_files_outside_the_repository() -> None:
    mdx = [page for page in REPO.rglob("*.mdx") if not SKIPPED_DIRS & set(page.relative_to(REPO).parts[:-1])]
    pages = [*markdown_files(), *mdx]
    assert len(mdx) >= 1  # the example site's pages are read too
    citing = {
        page.relative_to(REPO).as_posix(): found
        for page in pages
        if (found := cites_outside(page.read_text(encoding="utf-8")))
    }
    assert citing == {}
    assert cites_outside("the contract is in ../shared/seed/quickstart.md") == ["shared/seed", "../shared"]


def test_the_readme_links_a_reference_page_for_every_area() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = readme[readme.index("## Reference") :]
    linked = {target for target in links(reference) if target.startswith("docs/")}
    pages = {f"docs/{page.name}" for page in (REPO / "docs").glob("*.md")}
    # every docs page is reachable from the README (the contract and the guide from its other sections)
    assert pages - linked - {"docs/quickstart.md", "docs/api-contract.md", "docs/deploy.md"} == set()
    assert {"docs/quickstart.md", "docs/api-contract.md", "docs/deploy.md"} <= set(links(readme))


def test_the_check_sees_a_missing_file_a_missing_heading_and_a_link_out_of_the_repository() -> None:
    page = REPO / "docs" / "api.md"
    fine = "[a](configuration.md) [b](deploy.md#checking-a-deployment-authgate-doctor) [c](api.md#api-reference)"
    assert broken_links(page, fine) == []
    assert broken_links(page, "[a](configuratoin.md)") == ["configuratoin.md: no such file"]
    assert broken_links(page, "[a](deploy.md#no-such-heading)") == [
        "deploy.md#no-such-heading: no heading #no-such-heading"
    ]
    assert broken_links(page, "[a](#nowhere)") == ["#nowhere: no heading #nowhere"]
    outside = os.path.relpath("/etc/passwd", page.parent)  # a file that exists, outside the repository
    assert broken_links(page, f"see [x]: {outside}") == []  # not a reference definition: prose
    assert broken_links(page, f"[x]: {outside}") == [f"{outside}: outside the repository"]
    assert broken_links(page, f"[x]({outside})") == [f"{outside}: outside the repository"]
    # code blocks, code spans, URLs and site paths are not links to files
    assert (
        broken_links(page, "```\n[a](nowhere.md)\n```\n`[b](nowhere.md)` [c](https://x.example/y) [d](/auth/x)") == []
    )


def test_slugs_are_githubs() -> None:
    assert slug("Common Issues & Troubleshooting") == "common-issues--troubleshooting"
    assert slug("Checking a deployment: `authgate doctor`") == "checking-a-deployment-authgate-doctor"
    assert slug("Sessions, the reader's own data, security events") == "sessions-the-readers-own-data-security-events"
    assert anchors("# A\n## A\n```\n# B\n```\n") == {"a", "a-1"}
