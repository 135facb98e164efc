"""A GitHub-shaped OAuth provider for the browser tests, on loopback: its own sign-in page, then GitHub's endpoints.

    python e2e/github_provider.py --port 8041 --client-id ID --client-secret SECRET

Whoever signs in as NAME is the GitHub user NAME (a stable numeric id derived from it) with the primary, verified
address NAME@users.example.org. PKCE (S256) and the client secret are checked like GitHub does.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import secrets
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

PAGE = """<!doctype html><html><head><title>Sign in to GitHub (test)</title></head><body>
<h1>Sign in to GitHub</h1><p>to continue to the textbook</p>
<form method="post"><input type="hidden" name="query" value="{query}">
<label>Username <input name="username" autocomplete="username"></label>
<button type="submit">Authorize</button></form></body></html>"""


def build(client_id: str, client_secret: str) -> Starlette:
    grants: dict[str, dict[str, str]] = {}
    tokens: dict[str, str] = {}

    async def authorize(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(PAGE.format(query=html.escape(request.url.query, quote=True)))
        form = await request.form()
        params = dict(parse_qsl(str(form["query"])))
        code = secrets.token_urlsafe(16)
        grants[code] = {"username": str(form["username"]), **params}
        target = f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"
        return RedirectResponse(target, status_code=302)

    async def token(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        given_id, given_secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            given_id, _, given_secret = base64.b64decode(header[6:]).decode().partition(":")
        grant = grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            grant is None
            or given_id != client_id
            or given_secret != client_secret
            or grant["code_challenge"] != challenge
        ):
            return JSONResponse({"error": "bad_verification_code"})
        access = secrets.token_urlsafe(16)
        tokens[access] = grant["username"]
        return JSONResponse({"access_token": access, "token_type": "bearer", "scope": grant.get("scope", "")})

    def user_of(request: Request) -> str | None:
        return tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def user(request: Request) -> Response:
        name = user_of(request)
        if name is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse({"id": int(hashlib.sha256(name.encode()).hexdigest()[:8], 16), "login": name})

    async def emails(request: Request) -> Response:
        name = user_of(request)
        if name is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse([{"email": f"{name}@users.example.org", "primary": True, "verified": True}])

    return Starlette(
        routes=[
            Route("/login/oauth/authorize", authorize, methods=["GET", "POST"]),
            Route("/login/oauth/access_token", token, methods=["POST"]),
            Route("/api/user", user),
            Route("/api/user/emails", emails),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    args = parser.parse_args()
    uvicorn.run(build(args.client_id, args.client_secret), host="localhost", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
