"""Operator actions behind the CLI; they use the same services as the API."""

from __future__ import annotations

from sqlalchemy import select, update

from authgate.accounts.models import User
from authgate.accounts.service import canonical_email
from authgate.db import create_engine, create_sessionmaker
from authgate.security import utc_now
from authgate.sessions.service import revoke_all_sessions
from authgate.settings import Settings


async def list_users(settings: Settings, *, limit: int = 100) -> list[tuple[str, ...]]:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as db:
            result = await db.execute(select(User).order_by(User.created_at).limit(limit))
            return [
                (str(u.id), u.email, "active" if u.is_active else "suspended", u.created_at.isoformat())
                for u in result.scalars()
            ]
    finally:
        await engine.dispose()


async def set_active(settings: Settings, email: str, *, active: bool) -> bool:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine).begin() as db:
            now = utc_now()
            result = await db.execute(
                update(User)
                .where(User.email == canonical_email(email))
                .values(is_active=active, updated_at=now)
                .returning(User.id)
            )
            user_id = result.scalar_one_or_none()
            if user_id is None:
                return False
            if not active:
                await revoke_all_sessions(db, user_id, now)
            return True
    finally:
        await engine.dispose()
