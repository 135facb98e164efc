"""redis-py is loaded only by a service that has Redis to talk to (authgate.ratelimit.shared), and no other Redis
client: `limits` imports every one it finds installed (its `async-redis` extra brought coredis and beartype, 12 MB)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# a clean interpreter: the test process itself has imported redis long ago
BUILD_APP = """
import sys
from authgate.app import create_app
from authgate.settings import Settings
app = create_app(Settings(_env_file=None, database_url=sys.argv[1], redis_url=sys.argv[2] or None,
                          jwt_secret_key="kq3Jx9vL2mN8pR4tW6yZ1aC5eG7iK0oQ3sU5wY7x"))
print(sorted({name.split(".")[0] for name in sys.modules} & {"redis", "coredis", "valkey", "beartype"}))
"""


@pytest.mark.parametrize(("redis_url", "loaded"), [("", "[]"), ("redis://127.0.0.1:6379/15", "['redis']")])
def test_redis_py_is_imported_only_when_redis_url_is_set_and_no_other_redis_client(
    tmp_path, redis_url: str, loaded: str
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}"
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", BUILD_APP, database_url, redis_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == loaded
