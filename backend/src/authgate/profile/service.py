from __future__ import annotations

from sqlalchemy import select

from authgate.accounts.locks import lock_user
from authgate.accounts.lookup import CurrentUser
from authgate.accounts.models import UserProfile
from authgate.errors import AuthError, ErrorCode, NotAuthenticated
from authgate.events.service import EventType, record_event
from authgate.gate import AuthGate
from authgate.profile.schemas import ProfileUpdate
from authgate.transport import ClientInfo


class ProfileFieldRequired(AuthError):
    status_code = 422
    code = ErrorCode.VALIDATION_ERROR


async def update_profile(gate: AuthGate, user: CurrentUser, update: ProfileUpdate, client: ClientInfo) -> UserProfile:
    changes = update.model_dump(exclude_unset=True)
    for required in ("experience_level", "professional_role"):
        if required in changes and changes[required] is None:
            raise ProfileFieldRequired(f"{required} cannot be null")
    now = gate.now()
    async with gate.sessions.begin() as db:
        if not await lock_user(db, user.id):
            raise NotAuthenticated()
        result = await db.execute(select(UserProfile).where(UserProfile.user_id == user.id).with_for_update())
        profile = result.scalar_one_or_none()
        if profile is None:
            if "experience_level" not in changes or "professional_role" not in changes:
                raise ProfileFieldRequired("experience_level and professional_role are required for a new profile")
            profile = UserProfile(user_id=user.id, created_at=now)
            db.add(profile)
        for name, value in changes.items():
            setattr(profile, name, value)
        profile.updated_at = now
        await record_event(
            db,
            user_id=user.id,
            type=EventType.PROFILE_UPDATED,
            now=now,
            client=client,
            detail="changed: " + ", ".join(sorted(changes)) if changes else None,
        )
    return profile
