"""Every table, imported in one place for Alembic and the model/migration agreement test."""

from authgate.accounts.models import ExperienceLevel, ProfessionalRole, User, UserProfile
from authgate.sessions.models import RefreshToken

__all__ = ["ExperienceLevel", "ProfessionalRole", "RefreshToken", "User", "UserProfile"]
