from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from authgate.accounts.models import ExperienceLevel, ProfessionalRole
from authgate.accounts.schemas import Organization, RoleOther


class ProfileUpdate(BaseModel):
    """Only the fields sent are changed; null or "" clears role_other / organization."""

    model_config = ConfigDict(extra="forbid")

    experience_level: ExperienceLevel | None = None
    professional_role: ProfessionalRole | None = None
    role_other: RoleOther = None
    organization: Organization = None
