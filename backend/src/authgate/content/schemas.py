"""Members-only content: the artefact the Docusaurus kit writes at build time, and what the API answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from authgate.accounts.models import ExperienceLevel, ProfessionalRole
from authgate.errors import ErrorCode

# what the kit writes and this API reads; a new artefact layout gets a new number
ARTEFACT_VERSION = 1
# the kit names a page by the first 24 hex digits of a SHA-256 (of its source path): nothing else is a page id
PAGE_ID_PATTERN = r"^[0-9a-f]{24}$"


class ContentRule(BaseModel):
    """Who may read a block: a signed-in reader (always), and each condition given (a list: one of its values)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verified_email: bool = False
    levels: tuple[ExperienceLevel, ...] = ()
    roles: tuple[ProfessionalRole, ...] = ()


class ContentArtefactBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: ContentRule = ContentRule()
    # compiled MDX, the body of a function (the kit runs it with React's JSX runtime and the site's MDX components)
    format: Literal["mdx-function-body"]
    code: str


class ContentArtefact(BaseModel):
    """One page's protected blocks, in page order (build-members/<page id>.json)."""

    model_config = ConfigDict(extra="ignore")

    version: Literal[1]
    page: str = Field(pattern=PAGE_ID_PATTERN)
    blocks: list[ContentArtefactBlock]


DenialReason = Literal[
    ErrorCode.EMAIL_NOT_VERIFIED, ErrorCode.PROFILE_REQUIRED, ErrorCode.LEVEL_NOT_ADMITTED, ErrorCode.ROLE_NOT_ADMITTED
]


class ContentBlockAdmitted(BaseModel):
    index: int
    status: Literal["admitted"] = "admitted"
    format: Literal["mdx-function-body"]
    code: str


class ContentBlockDenied(BaseModel):
    index: int
    status: Literal["denied"] = "denied"
    reason: DenialReason
    rule: ContentRule


class ContentPage(BaseModel):
    """Every protected block of one page, in page order: the content of each block the reader may read, the reason
    for each one they may not."""

    page: str
    blocks: list[ContentBlockAdmitted | ContentBlockDenied]
