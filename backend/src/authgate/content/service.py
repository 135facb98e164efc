"""Members-only content: find a page's artefact in MEMBERS_CONTENT_DIR and filter its blocks by the reader.

The rule of each block is read from the artefact the build wrote (never from the request): the client only names
the page.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from authgate.accounts.lookup import CurrentUser
from authgate.content.schemas import (
    PAGE_ID_PATTERN,
    ContentArtefact,
    ContentBlockAdmitted,
    ContentBlockDenied,
    ContentPage,
    ContentRule,
    DenialReason,
)
from authgate.errors import (
    AuthError,
    ContentNeedsVerifiedEmail,
    ContentNotAdmitted,
    ContentNotFound,
    ErrorCode,
    LevelNotAdmitted,
    ProfileRequired,
    RoleNotAdmitted,
)

logger = logging.getLogger("authgate.content")

_PAGE_ID = re.compile(PAGE_ID_PATTERN)
# the 403 of a page whose every block refused the reader for one same reason: that reason's error
_DENIAL_ERRORS: dict[str, type[AuthError]] = {
    ErrorCode.EMAIL_NOT_VERIFIED: ContentNeedsVerifiedEmail,
    ErrorCode.PROFILE_REQUIRED: ProfileRequired,
    ErrorCode.LEVEL_NOT_ADMITTED: LevelNotAdmitted,
    ErrorCode.ROLE_NOT_ADMITTED: RoleNotAdmitted,
}


def denial(rule: ContentRule, user: CurrentUser) -> DenialReason | None:
    """Why `user` may not read a block under `rule`; None when they may. A signed-in reader is given."""
    if rule.verified_email and not user.is_verified:
        return ErrorCode.EMAIL_NOT_VERIFIED
    if not rule.levels and not rule.roles:
        return None
    # a reader who arrived through a provider has no profile until they complete it
    if user.profile is None:
        return ErrorCode.PROFILE_REQUIRED
    if rule.levels and user.profile.experience_level not in rule.levels:
        return ErrorCode.LEVEL_NOT_ADMITTED
    if rule.roles and user.profile.professional_role not in rule.roles:
        return ErrorCode.ROLE_NOT_ADMITTED
    return None


def filter_page(artefact: ContentArtefact, user: CurrentUser) -> ContentPage:
    """The page's blocks for this reader; refused as a whole (403) when not one block admits them."""
    blocks: list[ContentBlockAdmitted | ContentBlockDenied] = []
    for index, block in enumerate(artefact.blocks):
        reason = denial(block.rule, user)
        if reason is None:
            blocks.append(ContentBlockAdmitted(index=index, format=block.format, code=block.code))
        else:
            blocks.append(ContentBlockDenied(index=index, reason=reason, rule=block.rule))
    denied = [block.reason for block in blocks if isinstance(block, ContentBlockDenied)]
    if blocks and len(denied) == len(blocks):
        reasons = set(denied)
        raise _DENIAL_ERRORS[denied[0]]() if len(reasons) == 1 else ContentNotAdmitted()
    return ContentPage(page=artefact.page, blocks=blocks)


@dataclass
class ContentStore:
    """The artefacts under one folder, each parsed once per version of its file (a rebuild replaces the file)."""

    directory: Path | None
    _cache: dict[str, tuple[tuple[int, int], ContentArtefact]] = field(default_factory=dict)

    def load(self, page_id: str) -> ContentArtefact:
        if self.directory is None or not _PAGE_ID.fullmatch(page_id):
            raise ContentNotFound()
        # the id is 24 hex digits (no separator, no dot): the path cannot leave the folder; checked again anyway
        path = self.directory / f"{page_id}.json"
        if path.parent != self.directory:
            raise ContentNotFound()
        try:
            stat = path.stat()
        except OSError:
            raise ContentNotFound() from None
        version = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(page_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        artefact = ContentArtefact.model_validate_json(path.read_bytes())
        if artefact.page != page_id:
            # a file renamed by hand: its blocks belong to another page
            logger.error("members content %s names page %s; not served", path.name, artefact.page)
            raise ContentNotFound()
        self._cache[page_id] = (version, artefact)
        return artefact


def store_for(directory: str | None) -> ContentStore:
    if not directory:
        return ContentStore(None)
    path = Path(directory).resolve()
    if not path.is_dir():
        # not fatal: the site's build may be copied in after start-up (every page is 404 until then)
        logger.warning("MEMBERS_CONTENT_DIR %s is not a folder (yet): every members-only page answers 404", path)
    return ContentStore(path)
