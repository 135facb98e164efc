"""examples/host_app.py: authgate mounted into another FastAPI app, used through `current_user`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import httpx

from tests.conftest import API, PASSWORD, signup_body

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "host_app.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("host_app", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_host_app_routes_use_current_user(settings) -> None:  # type: ignore[no-untyped-def]
    app = load_example().create_docs_api(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=API) as http:
        assert (await http.get("/chapters")).json()[0] == "kinematics"
        anonymous = await http.get("/chapters/balance/recommended")
        assert anonymous.status_code == 401
        # the host app's own routes answer like the auth routes: {detail, code}, with a stable code
        assert anonymous.json()["code"] == "NOT_AUTHENTICATED"
        assert anonymous.headers["cache-control"] == "no-store"

        signed_up = await http.post("/auth/signup", json=signup_body("host@example.com", experience_level="advanced"))
        assert signed_up.status_code == 201
        token = signed_up.json()["access_token"]
        mine = await http.get("/chapters/balance/recommended", headers={"Authorization": f"Bearer {token}"})
        assert mine.status_code == 200
        assert mine.json() == {"chapter": "balance", "reader": "host@example.com", "track": "advanced"}

        # the auth routes keep their own guards and error codes inside the host app
        wrong = await http.post("/auth/login", json={"email": "host@example.com", "password": PASSWORD + "x"})
        assert wrong.json()["code"] == "INVALID_CREDENTIALS"
        forged = await http.get("/chapters/balance/recommended", headers={"Authorization": "Bearer forged.token.x"})
        assert forged.status_code == 401
    await app.state.authgate.dispose()
