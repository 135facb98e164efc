"""An existing FastAPI app (the docs platform's back end) that mounts authgate, as in the quickstart's step 6.

Run it:  JWT_SECRET_KEY=... uvicorn --factory examples.host_app:create_docs_api --port 8000
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from authgate import CurrentUser, Settings, add_exception_handlers, create_auth_router, current_user


def create_docs_api(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="Physical AI & Humanoid Robotics textbook API")

    # the quickstart's step 6: register the auth router
    app.include_router(create_auth_router(settings))

    # optional: the host's own errors get authgate's {"detail", "code"} shape too
    add_exception_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["*"],
        allow_headers=["Authorization", "Content-Type"],
    )

    @app.get("/chapters")
    async def chapters() -> list[str]:
        return ["kinematics", "balance-and-gait", "perception"]

    @app.get("/chapters/{slug}/recommended")
    async def recommended(slug: str, user: CurrentUser = Depends(current_user)) -> dict[str, str]:
        level = user.profile.experience_level.value if user.profile else "beginner"
        return {"chapter": slug, "reader": user.email, "track": level}

    return app
