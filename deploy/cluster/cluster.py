"""`make cluster`: N stateless authgate instances behind nginx, on one PostgreSQL (through PgBouncer) and one Redis.

    client ──> nginx :PORT (round robin, X-Forwarded-For) ──> authgate serve :PORT+1 … :PORT+N
                                                                  │                  │
                                              PgBouncer (transaction mode) ──> PostgreSQL      Redis

Every file it needs (nginx.conf, pgbouncer.ini, the pooler's user list with a random password) is rendered from the
templates beside this file into a fresh run directory, removed at exit; nothing secret is committed. The schema is
migrated first through the direct URL (never through the pooler). Ctrl-C (SIGINT) or SIGTERM stops nginx, then the
instances, then PgBouncer; if any of them dies, the rest are stopped and the exit status is 1.

The tests start the very same thing (`Cluster`) with their own ports, settings and a test-only nginx header
(backend/tests/cluster/). Run as a script by `make cluster`; `--help` lists the options.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
PGBOUNCER = os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer")
# the instances' user at PgBouncer (its password is made per run)
POOLER_USER = "authgate"
POOLER_DATABASE = "authgate"
STOP_SECONDS = 10


@dataclass
class ClusterConfig:
    database_url: str  # PostgreSQL itself (the pooler's server and the migrations' URL)
    redis_url: str
    port: int = 8000  # nginx
    instances: int = 2
    instance_ports: list[int] = field(default_factory=list)  # default: port+1 … port+N
    pgbouncer_port: int = 6432
    pgbouncer_pool_size: int = 10  # server connections PgBouncer opens, shared by every instance
    db_pool_size: int = 5  # DB_POOL_SIZE of each instance (client connections to PgBouncer)
    run_dir: Path | None = None  # default: a fresh temporary directory, removed at stop
    env: dict[str, str] = field(default_factory=dict)  # extra settings for every instance
    nginx_location: str = ""  # extra directives in nginx's `location /` (the tests add a header)
    log_dir: Path | None = None  # each process's output in a file there; default: this terminal
    log_level: str = "info"
    migrate: bool = True
    create_database: bool = False
    python: str = sys.executable


def render(template: str, values: dict[str, str]) -> str:
    """`@NAME@` → value (nginx's own `$variables` stay as they are)."""
    text = (HERE / template).read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    leftover = re.search(r"@[A-Z_]+@", text)
    if leftover:
        raise ValueError(f"{template}: {leftover.group()} not filled in")
    return text


def _libpq_value(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError("quotes and backslashes are not supported in the database URL's parts")
    return f"'{value}'"


def _load_libc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


# loaded here, in the runner: the forked child only makes the call (no dynamic loading between fork and exec)
_LIBC = _load_libc()


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM when the runner dies, even by SIGKILL (not kept across a change of user)
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port} within {seconds} s")


def wait_for_http(url: str, process: subprocess.Popen[bytes], name: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}"
        except OSError as error:
            last = type(error).__name__
        time.sleep(0.2)
    raise RuntimeError(f"{name} not ready at {url} within {seconds} s ({last})")


class Cluster:
    """PgBouncer, the instances and nginx as child processes; `start()`, then `stop()` (or `with Cluster(...)`)."""

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        if not config.instance_ports:
            config.instance_ports = [config.port + 1 + i for i in range(config.instances)]
        if len(config.instance_ports) != config.instances:
            raise ValueError("one port per instance")
        self.pooler_password = secrets.token_urlsafe(24)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []
        self._own_run_dir = config.run_dir is None
        self.run_dir = Path(tempfile.mkdtemp(prefix="authgate-cluster-")) if config.run_dir is None else config.run_dir

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    @property
    def instance_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.config.instance_ports]

    @property
    def pooled_database_url(self) -> str:
        """What the instances get as DATABASE_URL: PgBouncer, with the run's own user and password."""
        return (
            f"postgresql://{POOLER_USER}:{self.pooler_password}@127.0.0.1:{self.config.pgbouncer_port}/"
            f"{POOLER_DATABASE}"
        )

    def instance_env(self) -> dict[str, str]:
        config = self.config
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PROMETHEUS_MULTIPROC"))}
        env.update(
            {
                "DATABASE_URL": self.pooled_database_url,
                "DATABASE_POOLER": "pgbouncer",
                # `authgate migrate` run with this environment goes to the server itself
                "DATABASE_DIRECT_URL": config.database_url,
                "DB_POOL_SIZE": str(config.db_pool_size),
                "REDIS_URL": config.redis_url,
                # X-Forwarded-For is read from nginx only: rate limits and sessions see the real client
                "FORWARDED_ALLOW_IPS": "127.0.0.1",
                "AUTH_PUBLIC_URL": env.get("AUTH_PUBLIC_URL", f"http://localhost:{config.port}"),
            }
        )
        env.update(config.env)
        return env

    # ------------------------------------------------------------------ start and stop
    def start(self) -> Cluster:
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.run_dir.chmod(0o700)
            if self.config.create_database:
                self._create_database()
            if self.config.migrate:
                self._migrate()
            self._start_pgbouncer()
            self._start_instances()
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        output: Any = None
        if self.config.log_dir is not None:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.config.log_dir / f"{name}.log").open("ab")
            self._logs.append(output)
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command,
            env=env,
            cwd=os.getcwd(),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            # the runner decides the order of shutdown: a terminal's Ctrl-C reaches it alone
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads started yet in the child's parent
        )
        self.processes[name] = process
        return process

    def _create_database(self) -> None:
        import asyncio

        import asyncpg
        from sqlalchemy.engine import make_url

        url = make_url(self.config.database_url)
        name = url.database or "postgres"

        async def create() -> None:
            admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
            connection = await asyncpg.connect(admin, timeout=5)
            try:
                if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                    await connection.execute(f'CREATE DATABASE "{name}"')
                    print(f"cluster: created database {name}", flush=True)
            finally:
                await connection.close()

        asyncio.run(create())

    def _migrate(self) -> None:
        authgate = str(Path(self.config.python).with_name("authgate"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
        env["DATABASE_URL"] = self.config.database_url
        done = subprocess.run(  # noqa: S603
            [authgate, "migrate"], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"authgate migrate failed: {done.stderr.strip()[-2000:]}")

    def _start_pgbouncer(self) -> None:
        from sqlalchemy.engine import make_url

        from authgate.db import Timeouts

        config = self.config
        url = make_url(config.database_url)
        server = [
            f"host={_libpq_value(url.host or '127.0.0.1')}",
            f"port={url.port or 5432}",
            f"dbname={_libpq_value(url.database or 'postgres')}",
            f"user={_libpq_value(url.username or 'postgres')}",
        ]
        if url.password:
            server.append(f"password={_libpq_value(str(url.password))}")
        # the limits each instance would send as start-up parameters without a pooler (db.py)
        timeouts = Timeouts(
            statement=float(config.env.get("DB_STATEMENT_TIMEOUT_SECONDS", 5)),
            idle_in_transaction=float(config.env.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS", 15)),
        )
        connect_query = "; ".join(f"SET {name} = {value}" for name, value in timeouts.server_settings().items())
        ini = render(
            "pgbouncer.ini.template",
            {
                "DB_ALIAS": POOLER_DATABASE,
                "SERVER": " ".join(server),
                "CONNECT_QUERY": connect_query,
                "PORT": str(config.pgbouncer_port),
                "RUN_DIR": str(self.run_dir),
                "CLIENT_USER": POOLER_USER,
                "POOL_SIZE": str(config.pgbouncer_pool_size),
            },
        )
        self._write("pgbouncer.ini", ini)
        self._write("userlist.txt", f'"{POOLER_USER}" "{self.pooler_password}"\n')
        command = [PGBOUNCER]
        if os.geteuid() == 0:
            # PgBouncer refuses to run as root; it reads its files first, then becomes nobody
            command += ["-u", "nobody"]
        process = self._spawn("pgbouncer", [*command, str(self.run_dir / "pgbouncer.ini")])
        wait_for_port(config.pgbouncer_port, process, "pgbouncer")

    def _start_instances(self) -> None:
        authgate = str(Path(self.config.python).with_name("authgate"))
        env = self.instance_env()
        started = []
        for index, port in enumerate(self.config.instance_ports, start=1):
            command = [authgate, "serve", "--host", "127.0.0.1", "--port", str(port)]
            started.append(self._spawn(f"instance{index}", [*command, "--log-level", self.config.log_level], env))
        for index, (process, url) in enumerate(zip(started, self.instance_urls, strict=True), start=1):
            # /readyz asks the database (through PgBouncer) and Redis
            wait_for_http(f"{url}/readyz", process, f"instance{index}")

    def _start_nginx(self) -> None:
        config = self.config
        servers = "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in config.instance_ports
        )
        conf = render(
            "nginx.conf.template",
            {
                "RUN_DIR": str(self.run_dir),
                "LISTEN": f"127.0.0.1:{config.port}",
                "UPSTREAM_SERVERS": servers,
                "ACCESS_LOG": "/dev/stdout upstream",
                "EXTRA_LOCATION": config.nginx_location,
            },
        )
        self._write("nginx.conf", conf)
        command = [NGINX, "-e", "stderr", "-p", str(self.run_dir), "-c", str(self.run_dir / "nginx.conf")]
        process = self._spawn("nginx", [*command, "-g", "daemon off;"])
        wait_for_http(f"{self.url}/health", process, "nginx")

    def _write(self, name: str, text: str) -> None:
        path = self.run_dir / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)

    def dead(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def stop(self) -> None:
        """nginx first (no new requests), then the instances (they finish theirs), then PgBouncer."""
        order = ["nginx", *sorted(n for n in self.processes if n.startswith("instance")), "pgbouncer"]
        for name in order:
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            # nginx: SIGQUIT is its graceful stop; the others stop on SIGTERM (PgBouncer: at once)
            process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_SECONDS)
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self._own_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="nginx's port (instances: the next ones)")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--pgbouncer-port", type=int, default=6432)
    parser.add_argument("--database-url", required=True, help="PostgreSQL itself: postgresql://user@host:5432/db")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--create-database", action="store_true", help="create the database if it is missing")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgresql://", "postgres://")):
        print("cluster: --database-url must be PostgreSQL (the instances share it)", file=sys.stderr)
        return 2
    for tool in (NGINX, PGBOUNCER):
        if not os.access(tool, os.X_OK):
            print(f"cluster: {tool} is missing (make cluster-tools installs nginx and pgbouncer)", file=sys.stderr)
            return 2
    config = ClusterConfig(
        database_url=args.database_url,
        redis_url=args.redis_url,
        port=args.port,
        instances=args.instances,
        pgbouncer_port=args.pgbouncer_port,
        create_database=args.create_database,
    )
    stopping = False

    def on_signal(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    cluster = Cluster(config)
    try:
        cluster.start()
    except Exception as error:  # noqa: BLE001 - reported, and everything started is stopped
        print(f"cluster: could not start: {error}", file=sys.stderr)
        return 1
    instances = ", ".join(url.removeprefix("http://") for url in cluster.instance_urls)
    print(
        f"cluster: ready at {cluster.url} (nginx, round robin) -> instances {instances}"
        f" -> PgBouncer 127.0.0.1:{config.pgbouncer_port} (transaction mode) -> {_masked(config.database_url)};"
        f" Redis {_masked(config.redis_url)}. Ctrl-C stops everything.",
        flush=True,
    )
    status = 0
    try:
        while not stopping:
            dead = cluster.dead()
            if dead:
                print(f"cluster: {', '.join(dead)} exited; stopping the rest", file=sys.stderr)
                status = 1
                break
            time.sleep(0.3)
    finally:
        cluster.stop()
    print("cluster: stopped", flush=True)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
