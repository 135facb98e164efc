"""The baseline for figure (a): a bare FastAPI app with one JSON GET endpoint.

Served exactly like `authgate serve` serves authgate: `uvicorn.run(app, host=..., port=...,
log_level=..., proxy_headers=False)`, one worker, uvicorn's automatic loop/http choice
(uvloop + httptools when installed) and its default access log.
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI

app = FastAPI()


@app.get("/json")
async def json_endpoint() -> dict[str, str]:
    return {"message": "Hello, World!"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()

    import uvicorn

    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
