"""One real cluster for the module: PgBouncer (transaction mode) → PostgreSQL, two `authgate serve` instances,
nginx in front; Redis db TEST_REDIS_URL; mail to an aiosmtpd server. Started by `deploy/cluster/cluster.py`, the
code `make cluster` runs, with test ports and settings; nginx additionally answers which instance served each
request (`X-Upstream`, this build only)."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import PASSWORD, SITE, TEST_REDIS_URL, TEST_SECRET, flush_test_redis, fresh_postgres_database
from tests.conftest import unavailable as service_missing
from tests.mail.smtp import MAIL_FROM, PUBLIC_URL, Inbox, serving
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[3]
RUNNER_PATH = ROOT / "deploy" / "cluster" / "cluster.py"
UPSTREAM = "x-upstream"
# sign-in failures before the slowdown, and before a password reset is required (small, to stay quick)
SLOWDOWN_AFTER = 3
RESET_REQUIRED_AFTER = 4
LOGIN_IP_LIMIT = 5


def load_runner() -> ModuleType:
    """deploy/cluster/cluster.py, imported from its path (it is a script of the repository, not of the package)."""
    name = "authgate_cluster_runner"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, RUNNER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def require_tools() -> None:
    runner = load_runner()
    for tool in (runner.NGINX, runner.PGBOUNCER):
        if not os.access(tool, os.X_OK):
            # in CI a missing piece fails (`make cluster-tools` installs both from Debian)
            service_missing(f"{tool} is not installed (make cluster-tools)")


@dataclass
class Running:
    cluster: Any  # the runner's Cluster
    direct_url: str
    inbox: Inbox
    logs: Path

    @property
    def url(self) -> str:
        return str(self.cluster.url)

    @property
    def instances(self) -> list[str]:
        return list(self.cluster.instance_urls)

    def upstreams(self) -> list[str]:
        """The instances' addresses as nginx names them in X-Upstream."""
        return [url.removeprefix("http://") for url in self.instances]

    def client(self, source: str = "127.0.0.1", base: str | None = None) -> httpx.Client:
        """A client connecting from `source` (any 127.0.0.0/8 address: a distinct real client for nginx)."""
        transport = httpx.HTTPTransport(local_address=source)
        return httpx.Client(base_url=base or self.url, transport=transport, timeout=30, headers={"origin": SITE})

    def pooler(self, sql: str) -> list[tuple[Any, ...]]:
        """A SHOW command on PgBouncer's console (simple query protocol), as the instances' own user."""
        runner = load_runner()
        conninfo = (
            f"host=127.0.0.1 port={self.cluster.config.pgbouncer_port} dbname=pgbouncer "
            f"user={runner.POOLER_USER} password={self.cluster.pooler_password}"
        )
        with (
            psycopg.connect(conninfo, autocommit=True, cursor_factory=psycopg.ClientCursor) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
            names = [column.name for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]  # type: ignore[misc]

    def metric(self, instance: str, name: str, **labels: str) -> float:
        """One sample of an instance's /metrics (asked directly, not through nginx); 0 if absent."""
        text = httpx.get(f"{instance}/metrics", timeout=10).text
        wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
        for line in text.splitlines():
            match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? ([0-9.e+-]+)", line)
            if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
                return float(match.group(2))
        return 0.0

    def log_lines(self, process: str, needle: str) -> list[str]:
        path = self.logs / f"{process}.log"
        return [line for line in path.read_text(errors="replace").splitlines() if needle in line]

    def wait_for_mail(self, address: str, count: int, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while len(self.inbox.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.1)  # a background send through SMTP, not a timed assertion


@pytest.fixture(scope="module")
def cluster_inbox() -> Iterator[Inbox]:
    with serving(Inbox()) as box:
        yield box


def instance_settings(inbox: Inbox) -> dict[str, str]:
    return {
        "JWT_SECRET_KEY": TEST_SECRET,
        "CORS_ORIGINS": SITE,
        "PUBLIC_URL": PUBLIC_URL,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "SMTP_STARTTLS": "false",
        "MAIL_FROM": MAIL_FROM,
        # a rotated refresh token presented again is reuse at once (no two-tab grace)
        "REFRESH_REUSE_GRACE_SECONDS": "0",
        "RATE_LIMIT_LOGIN_IP": f"{LOGIN_IP_LIMIT}/minute",
        "LOCKOUT_SLOWDOWN_AFTER": str(SLOWDOWN_AFTER),
        "LOCKOUT_RESET_REQUIRED_AFTER": str(RESET_REQUIRED_AFTER),
        "LOG_FORMAT": "json",
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, cluster_inbox: Inbox) -> Iterator[Running]:
    require_tools()
    runner = load_runner()
    flush_test_redis()
    base = tmp_path_factory.mktemp("cluster")
    with fresh_postgres_database("authgate_cluster") as direct_url:
        config = runner.ClusterConfig(
            database_url=direct_url,
            redis_url=TEST_REDIS_URL,
            port=free_port(),
            instances=2,
            instance_ports=[free_port(), free_port()],
            pgbouncer_port=free_port(),
            pgbouncer_pool_size=4,
            db_pool_size=5,
            run_dir=base / "run",
            log_dir=base / "logs",
            env=instance_settings(cluster_inbox),
            nginx_location="            add_header X-Upstream $upstream_addr always;",
        )
        with runner.Cluster(config) as started:
            yield Running(started, direct_url, cluster_inbox, base / "logs")


def signup_body(email: str) -> dict[str, str]:
    return {
        "email": email,
        "password": PASSWORD,
        "experience_level": "intermediate",
        "professional_role": "student",
    }
