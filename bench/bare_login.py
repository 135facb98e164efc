"""The reference beside figure (b): the least a FastAPI sign-in can do around its hash.

POST /auth/login validates a JSON body `{email, password}` with a pydantic model, verifies the password with
authgate's own `PasswordHasher(Argon2Params(...))` on `--threads` threads (as many as the service hashes at once)
and answers 200 with a small JSON body, or 401. Every account has the same stored hash and nothing else is done:
no database, no tokens, no cookie, no rate limits, no logs. Served like `bare_app.py` (one uvicorn worker, uvloop and
httptools when installed, no access log).

Its storm, run with the same wrk script right after authgate's, says how much of the argon2 floor a FastAPI service
on this machine keeps before it does any work of its own: the part of (b)'s aim that is left for everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from authgate.security import Argon2Params, PasswordHasher


class LoginBody(BaseModel):
    email: str
    password: str


def build_app(hasher: PasswordHasher, password: str, threads: int) -> FastAPI:
    stored = hasher.hash(password)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bare-hash")
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/auth/login")
    async def login(body: LoginBody) -> dict[str, str]:
        loop = asyncio.get_running_loop()
        valid, _ = await loop.run_in_executor(pool, hasher.verify_and_update, body.password, stored)
        if not valid:
            raise HTTPException(status_code=401, detail="Invalid email or password")
        return {"token_type": "bearer"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--password", required=True)
    parser.add_argument("--time-cost", type=int, required=True)
    parser.add_argument("--memory-cost", type=int, required=True)
    parser.add_argument("--parallelism", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()

    hasher = PasswordHasher(Argon2Params(args.time_cost, args.memory_cost, args.parallelism))
    app = build_app(hasher, args.password, args.threads)

    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False, access_log=False)


if __name__ == "__main__":
    main()
