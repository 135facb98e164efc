"""authgate benchmarks: one bounded run (< 4 minutes) against 127.0.0.1 only.

    .venv/bin/python bench/run.py            # what `make bench` runs
    .venv/bin/python bench/run.py --quick    # shorter runs, for trying the script out

Creates a fresh PostgreSQL database, migrates it, serves authgate (one uvicorn worker) and a bare
FastAPI app beside it, measures the figures below with wrk, prints a table and writes
bench/results/latest.json. The servers are always stopped and the database dropped.

Each figure is one small function `figure_x(ctx) -> Figure`, listed in FIGURES; a new figure
(e.g. the rate-limit one, see figure_rate_limit) is one more function in that list.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = Path(sys.executable).parent
# the servers run from an install of the package as production gets it (no test tools: pytest, schemathesis and
# what they pull in, e.g. rich, would otherwise be imported by httpx and counted in the service's memory)
SERVICE_VENV = BENCH_DIR / ".venv-service"
SERVICE_BIN = SERVICE_VENV / "bin"
HOST = "127.0.0.1"
DB_NAME = "authgate_bench"
USER_PREFIX = "bench-user-"
USER_PASSWORD = (
    "bench-Password-4711-unusual"  # a throwaway account in a throwaway database
)
N_USERS = 64


# ---------------------------------------------------------------------------------------------
# configuration of one run


@dataclass(frozen=True)
class Plan:
    """Durations and client counts; --quick shortens the runs, not the shape."""

    throughput_seconds: int = 8  # (a): each wrk run
    throughput_rounds: int = (
        2  # (a): bare/me alternated this many times; the best of each is kept
    )
    throughput_threads: int = 2
    throughput_connections: int = 32
    warmup_seconds: int = 2
    floor_seconds: float = 4.0  # (b): argon2 floor, measured before and after the storm
    storm_clients: int = 16  # (b), (c)
    storm_seconds: int = 10  # (b)
    probe_seconds: int = 10  # (c): the probe, idle and during the storm
    probe_connections: int = 2
    probe_delay_ms: int = (
        20  # (c): each probe connection waits this long between requests
    )
    big_storm_clients: int = 64  # (d)
    big_storm_seconds: int = 10  # (d)
    rss_interval_s: float = 0.05  # (d)

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            throughput_seconds=4,
            throughput_rounds=1,
            warmup_seconds=1,
            floor_seconds=2.0,
            storm_seconds=5,
            probe_seconds=5,
            big_storm_seconds=5,
        )


@dataclass
class Figure:
    key: str
    name: str
    value: float | None  # the measured ratio (or absolute value for (d))
    unit: str  # "x" for ratios
    aim: str  # e.g. ">= 0.25"
    met: bool | None  # None: not measured
    details: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass
class Context:
    """Everything a figure function needs; built once per run."""

    plan: Plan
    service_url: str
    bare_url: str
    service_pid: int
    token: str
    argon2: dict[str, int]
    service_log: Path
    env: dict[str, str] = field(
        default_factory=dict
    )  # the service's environment (for more instances)
    processes: Processes | None = None
    cache: dict[str, Any] = field(
        default_factory=dict
    )  # figures may share measurements


def aim_ok(value: float | None, op: str, target: float) -> bool | None:
    if value is None:
        return None
    return value >= target if op == ">=" else value <= target


# ---------------------------------------------------------------------------------------------
# wrk


def ensure_service_venv() -> None:
    """`uv sync --frozen` of the package without the dev extra into bench/.venv-service (seconds when cached)."""
    if not (SERVICE_BIN / "python").exists():
        subprocess.run([str(VENV_BIN / "python"), "-m", "venv", str(SERVICE_VENV)], check=True, timeout=120)
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_PROJECT_ENVIRONMENT": str(SERVICE_VENV)}
    subprocess.run(
        [str(VENV_BIN / "uv"), "sync", "-q", "--frozen", "--python", str(SERVICE_BIN / "python")],
        cwd=REPO / "backend",
        env=env,
        check=True,
        timeout=600,
    )


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("bench: wrk not found, installing it with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(
        ["apt-get", "install", "-y", "wrk"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "wrk"],
            env=env,
            capture_output=True,
            check=True,
        )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: could not install wrk")
    return found


@dataclass
class WrkResult:
    summary: dict[str, Any]  # the BENCH_JSON line printed by the Lua done()
    requests_per_s: float
    text: str


def wrk_command(
    url: str,
    *,
    threads: int,
    connections: int,
    seconds: float,
    script: str,
    headers: dict[str, str] | None = None,
    script_args: list[str] | None = None,
    latency: bool = False,
) -> list[str]:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / script),
    ]
    if latency:
        cmd.append("--latency")
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    return cmd


def parse_wrk(text: str) -> WrkResult:
    match = re.search(r"^BENCH_JSON (\{.*\})$", text, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{text}")
    summary = json.loads(match.group(1))
    seconds = summary["duration_us"] / 1e6
    return WrkResult(summary, summary["requests"] / seconds if seconds else 0.0, text)


def run_wrk(cmd: list[str]) -> WrkResult:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"wrk failed ({done.returncode}): {done.stderr}\n{done.stdout}"
        )
    return parse_wrk(done.stdout)


@contextmanager
def wrk_in_background(cmd: list[str]) -> Iterator[Callable[[], WrkResult]]:
    """Start wrk, yield a function that waits for its result; stop it if the block fails."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:

        def result() -> WrkResult:
            out, err = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise RuntimeError(f"wrk failed ({proc.returncode}): {err}\n{out}")
            return parse_wrk(out)

        yield result
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def login_storm_cmd(ctx: Context, clients: int, seconds: float) -> list[str]:
    threads = min(2, clients)
    return wrk_command(
        ctx.service_url,
        threads=threads,
        connections=clients,
        seconds=seconds,
        script="login.lua",
        script_args=[str(N_USERS), USER_PREFIX, USER_PASSWORD],
        latency=True,
    )


def me_probe_cmd(ctx: Context, seconds: float) -> list[str]:
    p = ctx.plan
    return wrk_command(
        f"{ctx.service_url}/auth/me",
        threads=1,
        connections=p.probe_connections,
        seconds=seconds,
        script="probe.lua",
        headers={"Authorization": f"Bearer {ctx.token}"},
        script_args=[str(p.probe_delay_ms)],
        latency=True,
    )


# ---------------------------------------------------------------------------------------------
# processes, database, HTTP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={
            **({"Content-Type": "application/json"} if data else {}),
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(
            request, timeout=timeout
        ) as response:  # only ever 127.0.0.1
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_up(
    url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{url} exited with {proc.returncode}; see {log}:\n{log.read_text()[-3000:]}"
            )
        try:
            status, _ = http("GET", url, timeout=1)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout}s; see {log}")


class Processes:
    """The servers this run started; stopped by pid (their own process groups) at the end."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self, name: str, cmd: list[str], env: dict[str, str], log: Path
    ) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=RESULTS_DIR,
                start_new_session=True,
            )
        self.procs.append((name, proc))
        return proc

    def stop_all(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        self.procs.clear()


def admin_url() -> str:
    url = (
        os.environ.get("BENCH_PG_URL")
        or os.environ.get("TEST_PG_URL")
        or f"postgresql://postgres@{HOST}:5432/postgres"
    )
    if not re.match(r"^postgresql://[^@/]*@(127\.0\.0\.1|localhost)(:\d+)?/", url):
        raise SystemExit(
            f"bench: refusing a PostgreSQL server other than 127.0.0.1: {url}"
        )
    return url


def bench_database_url() -> str:
    return admin_url().rsplit("/", 1)[0] + f"/{DB_NAME}"


def recreate_database(*, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {DB_NAME}")


def effective_argon2(env: dict[str, str]) -> dict[str, int]:
    """The parameters the service will use: its own Settings, from the same environment, no .env file."""
    from authgate.settings import Settings

    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "time_cost": settings.argon2_time_cost,
        "memory_cost": settings.argon2_memory_cost,
        "parallelism": settings.argon2_parallelism,
        "hashing_max_in_flight": settings.hashing_max_in_flight or os.cpu_count() or 1,
        "db_pool_size": settings.db_pool_size,
    }


def signup_body(email: str) -> dict[str, str]:
    return {
        "email": email,
        "password": USER_PASSWORD,
        "experience_level": "intermediate",
        "professional_role": "student",
    }


def create_users(service_url: str, count: int) -> str:
    def signup(i: int) -> str:
        status, body = http(
            "POST",
            f"{service_url}/auth/signup",
            signup_body(f"{USER_PREFIX}{i}@example.com"),
        )
        if status != 201:
            raise RuntimeError(f"signup {i} failed: {status} {body[:300]!r}")
        return str(json.loads(body)["access_token"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(signup, range(count)))
    return tokens[0]


# ---------------------------------------------------------------------------------------------
# memory sampling for (d)


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return pids


def status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(stat_path: Path) -> float:
    """utime + stime of a process or thread, from /proc/.../stat."""
    try:
        fields = stat_path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(service_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the service's event-loop thread, its other threads, and the bench
    database's PostgreSQL backends (other databases on the server are not counted)."""
    total = cpu_seconds(Path(f"/proc/{service_pid}/stat"))
    loop = cpu_seconds(Path(f"/proc/{service_pid}/task/{service_pid}/stat"))
    postgres = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"postgres: ") and f" {DB_NAME} ".encode() in cmdline:
            postgres += cpu_seconds(proc / "stat")
    return {"loop": loop, "other_threads": total - loop, "postgres": postgres}


class RssSampler(threading.Thread):
    """Sum of VmRSS over the process and its children, every `interval` seconds."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[int] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append(
                sum(status_kib(p, "VmRSS") for p in process_tree(self.pid))
            )
            self._stop_event.wait(self.interval)

    def stop(self) -> list[int]:
        self._stop_event.set()
        self.join()
        return self.samples


# ---------------------------------------------------------------------------------------------
# the figures: one function each


def figure_me_throughput(ctx: Context) -> Figure:
    """(a) GET /auth/me req/s ÷ a bare FastAPI JSON GET req/s, same wrk load, alternated."""
    p = ctx.plan
    common: dict[str, Any] = {
        "threads": p.throughput_threads,
        "connections": p.throughput_connections,
        "script": "stats.lua",
    }
    me_cmd = wrk_command(
        f"{ctx.service_url}/auth/me",
        seconds=p.throughput_seconds,
        headers={"Authorization": f"Bearer {ctx.token}"},
        **common,
    )
    bare_cmd = wrk_command(
        f"{ctx.bare_url}/json", seconds=p.throughput_seconds, **common
    )
    # warm both (the service's pool opens its connections, code paths get hot)
    run_wrk(
        wrk_command(
            f"{ctx.service_url}/auth/me",
            seconds=p.warmup_seconds,
            headers={"Authorization": f"Bearer {ctx.token}"},
            **common,
        )
    )
    run_wrk(wrk_command(f"{ctx.bare_url}/json", seconds=p.warmup_seconds, **common))
    me_runs, bare_runs = [], []
    for _ in range(p.throughput_rounds):
        bare_runs.append(run_wrk(bare_cmd))
        me_runs.append(run_wrk(me_cmd))
    bad = sum(
        r.summary["non2xx"] + r.summary["socket_errors"] for r in me_runs + bare_runs
    )
    me_best = max(r.requests_per_s for r in me_runs)
    bare_best = max(r.requests_per_s for r in bare_runs)
    ratio = me_best / bare_best
    return Figure(
        "a",
        "GET /auth/me ÷ bare FastAPI (req/s)",
        ratio,
        "x",
        ">= 0.5",
        aim_ok(ratio, ">=", 0.5),
        {
            "me_rps": round(me_best),
            "bare_rps": round(bare_best),
            "me_rps_runs": [round(r.requests_per_s) for r in me_runs],
            "bare_rps_runs": [round(r.requests_per_s) for r in bare_runs],
            "me_p99_ms": round(max(r.summary["p99_us"] for r in me_runs) / 1000, 1),
            "wrk": f"-t{p.throughput_threads} -c{p.throughput_connections} -d{p.throughput_seconds}s",
            "errors": bad,
        },
        f"{round(me_best)} vs {round(bare_best)} req/s"
        + (f"; {bad} errors!" if bad else ""),
    )


def argon2_args(ctx: Context) -> list[str]:
    """The service's argon2 parameters, as argon2_floor.py and bare_login.py take them."""
    a = ctx.argon2
    return [
        "--time-cost",
        str(a["time_cost"]),
        "--memory-cost",
        str(a["memory_cost"]),
        "--parallelism",
        str(a["parallelism"]),
    ]


def argon2_floor(ctx: Context) -> dict[str, Any]:
    cmd = [
        str(SERVICE_BIN / "python"),
        str(BENCH_DIR / "argon2_floor.py"),
        *argon2_args(ctx),
        "--threads",
        str(os.cpu_count() or 1),
        "--seconds",
        str(ctx.plan.floor_seconds),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bare_login_storm(ctx: Context) -> dict[str, Any]:
    """(b)'s storm against bench/bare_login.py: FastAPI, the body's validation and the hash at the service's
    parameters, on as many threads as the service hashes at once; nothing else."""
    assert ctx.processes is not None
    port = free_port()
    log = RESULTS_DIR / "bare_login.log"
    proc = ctx.processes.start(
        "bare-login",
        [
            str(SERVICE_BIN / "python"),
            str(BENCH_DIR / "bare_login.py"),
            "--host",
            HOST,
            "--port",
            str(port),
            "--password",
            USER_PASSWORD,
            *argon2_args(ctx),
            "--threads",
            str(ctx.argon2["hashing_max_in_flight"]),
        ],
        ctx.env,
        log,
    )
    url = f"http://{HOST}:{port}"
    wait_until_up(f"{url}/health", proc, log)
    p = ctx.plan
    cmd = login_storm_cmd(ctx, p.storm_clients, p.storm_seconds)
    cmd[cmd.index(ctx.service_url)] = url
    cpu0 = cpu_snapshot(proc.pid)
    storm = run_wrk(cmd)
    cpu1 = cpu_snapshot(proc.pid)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    s = storm.summary
    ok = max(s["ok"], 1)
    return {
        "logins_per_s": s["ok"] / (s["duration_us"] / 1e6),
        "cpu_ms_per_login": {
            k: round(1000 * (cpu1[k] - cpu0[k]) / ok, 2)
            for k in ("loop", "other_threads")
        },
    }


def figure_login_throughput(ctx: Context) -> Figure:
    """(b) successful logins/s in a 16-client storm ÷ argon2 verifications/s on all cores (service idle)."""
    p = ctx.plan
    before = argon2_floor(ctx)
    cpu0 = cpu_snapshot(ctx.service_pid)
    storm = run_wrk(login_storm_cmd(ctx, p.storm_clients, p.storm_seconds))
    cpu1 = cpu_snapshot(ctx.service_pid)
    after = argon2_floor(ctx)
    cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
    floor = statistics.mean([before["per_second"], after["per_second"]])
    s = storm.summary
    logins = s["ok"] / (s["duration_us"] / 1e6)
    ratio = logins / floor
    reference = bare_login_storm(ctx)
    ctx.cache["login_ms_p50"] = s["p50_us"] / 1000
    return Figure(
        "b",
        f"logins/s ({p.storm_clients} clients) ÷ argon2 floor",
        ratio,
        "x",
        ">= 0.9",
        aim_ok(ratio, ">=", 0.9),
        {
            "logins_per_s": round(logins, 1),
            "floor_per_s": round(floor, 1),
            "floor_runs_per_s": [
                round(before["per_second"], 1),
                round(after["per_second"], 1),
            ],
            "floor_threads": before["threads"],
            "non_200": s["other"],
            "socket_errors": s["socket_errors"],
            "login_p50_ms": round(s["p50_us"] / 1000, 1),
            "login_p99_ms": round(s["p99_us"] / 1000, 1),
            # less sensitive to other load on the machine than the ratio: of the CPU the storm cost the
            # service and its database, the share spent in the hashing threads (1.0 = nothing but hashing)
            "hashing_cpu_share": round(
                cpu["other_threads"] / max(sum(cpu.values()), 1e-9), 3
            ),
            "cpu_ms_per_login": {
                k: round(1000 * v / max(s["ok"], 1), 2) for k, v in cpu.items()
            },
            # a core's time per verification in the floor run, beside the hashing threads' CPU per login in the
            # storm: their ratio is what (b) could reach with nothing at all around the hash (the hashes slow down
            # when the loop and PostgreSQL share their cores and caches)
            "floor_ms_per_verification": round(
                1000 * before["threads"] / max(floor, 1e-9), 2
            ),
            "ceiling_without_overhead": round(
                (1000 * before["threads"] / max(floor, 1e-9))
                / max(1000 * cpu["other_threads"] / max(s["ok"], 1), 1e-9),
                3,
            ),
            # the same storm against bare_login.py (FastAPI, body validation and the hash, nothing else), right
            # after: what a FastAPI service on this machine keeps of the floor before any work of its own
            "bare_login_per_s": round(reference["logins_per_s"], 1),
            "bare_login_ratio": round(reference["logins_per_s"] / floor, 3),
            "bare_login_cpu_ms_per_login": reference["cpu_ms_per_login"],
        },
        f"{logins:.1f} vs {floor:.1f} verif/s (bare FastAPI + hash: {reference['logins_per_s']:.1f})"
        + (f"; {s['other']} non-200!" if s["other"] else ""),
    )


def figure_me_p99_under_storm(ctx: Context) -> Figure:
    """(c) p99 of a modest GET /auth/me probe during a 16-client login storm ÷ its p99 alone.

    The idle p99 is the mean of one probe run before and one after the storm (the machine is shared).
    """
    p = ctx.plan
    idle_before = run_wrk(me_probe_cmd(ctx, p.probe_seconds))
    ramp = 2
    with wrk_in_background(
        login_storm_cmd(ctx, p.storm_clients, p.probe_seconds + ramp + 1)
    ) as storm_result:
        time.sleep(ramp)  # let the storm reach its steady state first
        loaded = run_wrk(me_probe_cmd(ctx, p.probe_seconds))
        storm = storm_result()
    idle_after = run_wrk(me_probe_cmd(ctx, p.probe_seconds))
    idle_p99s = [r.summary["p99_us"] / 1000 for r in (idle_before, idle_after)]
    idle_p99 = statistics.mean(idle_p99s)
    loaded_p99 = loaded.summary["p99_us"] / 1000
    ratio = loaded_p99 / idle_p99
    runs = (idle_before, loaded, idle_after)
    bad = sum(r.summary["non2xx"] + r.summary["socket_errors"] for r in runs)
    return Figure(
        "c",
        "GET /auth/me p99 during storm ÷ idle",
        ratio,
        "x",
        "<= 2",
        aim_ok(ratio, "<=", 2),
        {
            "idle_p99_ms": round(idle_p99, 2),
            "idle_p99_runs_ms": [round(x, 2) for x in idle_p99s],
            "storm_p99_ms": round(loaded_p99, 2),
            "idle_p50_ms": round(idle_before.summary["p50_us"] / 1000, 2),
            "storm_p50_ms": round(loaded.summary["p50_us"] / 1000, 2),
            "storm_p999_ms": round(loaded.summary["p999_us"] / 1000, 1),
            "storm_max_ms": round(loaded.summary["max_us"] / 1000, 1),
            "probe_requests": [r.summary["requests"] for r in runs],
            "probe": f"{p.probe_connections} connections, {p.probe_delay_ms} ms between requests, {p.probe_seconds}s",
            "storm_logins_per_s": round(
                storm.summary["ok"] / (storm.summary["duration_us"] / 1e6), 1
            ),
            "errors": bad,
        },
        f"{loaded_p99:.1f} vs {idle_p99:.1f} ms" + (f"; {bad} errors!" if bad else ""),
    )


def figure_peak_rss(ctx: Context) -> Figure:
    """(d) peak RSS of the service (and children) during a 64-client login storm, sampled every 50 ms."""
    p = ctx.plan
    start_rss = (
        sum(status_kib(pid, "VmRSS") for pid in process_tree(ctx.service_pid)) / 1024
    )
    sampler = RssSampler(ctx.service_pid, p.rss_interval_s)
    sampler.start()
    try:
        storm = run_wrk(login_storm_cmd(ctx, p.big_storm_clients, p.big_storm_seconds))
    finally:
        samples = sampler.stop()
    peak = max(samples) / 1024
    hwm = status_kib(ctx.service_pid, "VmHWM") / 1024
    s = storm.summary
    return Figure(
        "d",
        f"peak RSS, {p.big_storm_clients}-client login storm (MB)",
        peak,
        "MB",
        "<= 160",
        aim_ok(peak, "<=", 160),
        {
            "peak_rss_mb": round(peak, 1),
            "rss_before_mb": round(start_rss, 1),
            "vm_hwm_mb": round(hwm, 1),
            "samples": len(samples),
            "logins_per_s": round(s["ok"] / (s["duration_us"] / 1e6), 1),
            "non_200": s["other"],
            "socket_errors": s["socket_errors"],
            "login_p99_ms": round(s["p99_us"] / 1000, 1),
        },
        f"peak {peak:.0f} MB (VmHWM {hwm:.0f} MB, {start_rss:.0f} MB before)",
    )


def figure_rate_limit(ctx: Context, attempts: int = 30) -> Figure:
    """(e) time to answer a 429 ÷ the time of a login.

    `attempts` wrong-password logins for one account, one after another, from one address. The first
    LOCKOUT_SLOWDOWN_AFTER (5) are answered normally (401, one argon2 verification each); after that the account
    is slowed down and the attempts that come sooner than its Retry-After get 429 before any hashing. That is
    the dearer of authgate's two refusals (it reads the user and the known-address events; an over-full per-IP
    window refuses before the database is touched), so the figure is an upper bound. The ratio is the median
    time of the 429s ÷ the median time of the 401s; a refusal must be cheap.
    """
    body = {
        "email": f"{USER_PREFIX}0@example.com",
        "password": "wrong-password-for-rate-limit",
    }
    times: dict[int, list[float]] = {}
    retry_after: set[str] = set()
    client = KeepAlive(ctx.service_url)
    try:
        for _ in range(attempts):
            t0 = time.perf_counter()
            status, _, headers = client.post("/auth/login", body)
            times.setdefault(status, []).append(time.perf_counter() - t0)
            if status == 429:
                retry_after.add(headers.get("retry-after", "missing"))
    finally:
        client.close()
    normal = times.get(401) or times.get(400) or []
    limited = times.get(429, [])
    statuses = {str(k): len(v) for k, v in times.items()}
    if not limited or not normal:
        return Figure(
            "e",
            "429 time ÷ login time (rate limit)",
            None,
            "x",
            "< 0.05",
            None,
            {"statuses": statuses},
            f"not measured: {statuses} in {attempts} failed logins",
        )
    ratio = statistics.median(limited) / statistics.median(normal)
    return Figure(
        "e",
        "429 time ÷ login time (rate limit)",
        ratio,
        "x",
        "< 0.05",
        ratio < 0.05,
        {
            "statuses": statuses,
            "retry_after": sorted(retry_after),
            "ms_429": round(1000 * statistics.median(limited), 2),
            "ms_429_p90": round(
                1000 * sorted(limited)[int(0.9 * (len(limited) - 1))], 2
            ),
            "ms_login": round(1000 * statistics.median(normal), 2),
        },
        f"{1000 * statistics.median(limited):.1f} vs {1000 * statistics.median(normal):.1f} ms "
        f"({statuses.get('429', 0)} × 429, {len(normal)} × 401)",
    )


TOTP_READERS = 24


def _keepalive_post(
    client: KeepAlive, path: str, body: dict[str, Any], token: str | None = None
) -> tuple[int, Any, float]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    t0 = time.perf_counter()
    client.connection.request("POST", path, json.dumps(body), headers)
    response = client.connection.getresponse()
    raw = response.read()
    elapsed = time.perf_counter() - t0
    return response.status, json.loads(raw) if raw else None, elapsed


def verification_costs(
    argon2: dict[str, int], rounds: int = 200
) -> tuple[float, float]:
    """Median seconds of one TOTP check (unseal the stored secret, compare the code over the ±1 step window) and of
    one password check (argon2id verify at the service's parameters), with the functions the service uses."""
    import uuid
    from datetime import UTC, datetime

    from authgate.security import derive_key
    from authgate.security.sealing import seal, unseal
    from authgate.security.totp import code_at, matching_step, new_secret, step_of
    from pwdlib.hashers.argon2 import Argon2Hasher

    key = derive_key(secrets.token_urlsafe(48), "authgate totp secret")
    owner = uuid.uuid4().bytes
    secret = new_secret()
    sealed = seal(key, secret, context=owner)
    now = datetime.now(UTC)
    code = code_at(secret, step_of(now))
    totp_times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        matching_step(unseal(key, sealed, context=owner), code, now, None)
        totp_times.append(time.perf_counter() - t0)
    hasher = Argon2Hasher(
        time_cost=argon2["time_cost"],
        memory_cost=argon2["memory_cost"],
        parallelism=argon2["parallelism"],
    )
    hashed = hasher.hash(USER_PASSWORD)
    password_times = []
    for _ in range(max(rounds // 10, 10)):
        t0 = time.perf_counter()
        hasher.verify(USER_PASSWORD, hashed)
        password_times.append(time.perf_counter() - t0)
    return statistics.median(totp_times), statistics.median(password_times)


def figure_totp_cost(ctx: Context) -> Figure:
    """(f) the cost of a TOTP verification ÷ the cost of a password sign-in's verification.

    The figure is the check itself, measured in this process with the service's own functions: unsealing the stored
    secret (AES-GCM) and comparing the code over the ±1 step window (three HMAC-SHA1), against one argon2id
    verification at the service's parameters. Beside it, the two routes end to end on the running service:
    TOTP_READERS readers turn an authenticator app on (codes from pyotp, the app's side), sign in with the password
    (answered with a challenge) and pass it with one code (POST /auth/mfa/verify: the account's window, the
    single-use claim, the challenge, and the session); a reader without a second factor's POST /auth/login is the
    password sign-in. Each reader verifies once, as a code is accepted once per 30 s step. The route times share
    the session's bookkeeping (a few database transactions), which is most of a verify.
    """
    import pyotp

    client = KeepAlive(ctx.service_url)
    verify_times: list[float] = []
    login_times: list[float] = []
    statuses: dict[str, int] = {}
    try:
        secrets_by_email: dict[str, str] = {}
        for i in range(TOTP_READERS):
            email = f"totp-{i}@example.com"
            body = {
                "email": email,
                "password": USER_PASSWORD,
                "experience_level": "advanced",
                "professional_role": "engineer",
            }
            status, answer, _ = _keepalive_post(client, "/auth/signup", body)
            if status != 201:
                raise RuntimeError(f"totp signup failed: {status} {answer}")
            token = answer["access_token"]
            # adding a factor asks for the password itself, however recent the sign-in
            _, setup, _ = _keepalive_post(
                client, "/auth/mfa/totp/setup", {"password": body["password"]}, token
            )
            code = pyotp.TOTP(setup["secret"]).now()
            status, _, _ = _keepalive_post(
                client, "/auth/mfa/totp/confirm", {"code": code}, token
            )
            if status != 200:
                raise RuntimeError(f"totp confirm failed: {status}")
            secrets_by_email[email] = setup["secret"]
        # the confirming codes' step is used up: the sign-ins below use the next one (on a new connection: the
        # server closes idle ones after a few seconds)
        client.close()
        time.sleep(31 - time.time() % 30)
        client = KeepAlive(ctx.service_url)
        for email, secret in secrets_by_email.items():
            status, challenge, _ = _keepalive_post(
                client, "/auth/login", {"email": email, "password": USER_PASSWORD}
            )
            code = pyotp.TOTP(secret).now()
            status, _, elapsed = _keepalive_post(
                client,
                "/auth/mfa/verify",
                {"challenge_token": challenge["challenge_token"], "code": code},
            )
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status == 200:
                verify_times.append(elapsed)
            plain = {
                "email": f"{USER_PREFIX}{1 + len(login_times) % 8}@example.com",
                "password": USER_PASSWORD,
            }
            status, _, elapsed = _keepalive_post(client, "/auth/login", plain)
            if status == 200:
                login_times.append(elapsed)
    finally:
        client.close()
    totp_check, password_check = verification_costs(ctx.argon2)
    ratio = totp_check / password_check
    routes = (
        f"; routes {1000 * statistics.median(verify_times):.1f} vs {1000 * statistics.median(login_times):.1f} ms"
        if verify_times and login_times
        else "; routes not measured"
    )
    return Figure(
        "f",
        "TOTP check ÷ password check",
        ratio,
        "x",
        "< 0.05",
        ratio < 0.05,
        {
            "us_totp_check": round(1e6 * totp_check, 1),
            "ms_password_check": round(1000 * password_check, 2),
            "verify_statuses": statuses,
            "ms_verify_route": round(1000 * statistics.median(verify_times), 2)
            if verify_times
            else None,
            "ms_login_route": round(1000 * statistics.median(login_times), 2)
            if login_times
            else None,
        },
        f"{1e6 * totp_check:.0f} µs vs {1000 * password_check:.1f} ms{routes}",
    )


def replace_seconds(cmd: list[str], seconds: float) -> list[str]:
    """A wrk command run for another duration."""
    return [f"-d{seconds}s" if part.startswith("-d") else part for part in cmd]


def figure_two_workers(ctx: Context) -> Figure:
    """(h) The same service with `--workers 2`: GET /auth/me req/s and logins/s in the storm, ÷ one worker."""
    p = ctx.plan
    two_url, _ = start_instance(ctx, "authgate-workers-2", ("--workers", "2"))
    me = {
        url: wrk_command(
            f"{url}/auth/me",
            seconds=p.throughput_seconds,
            headers={"Authorization": f"Bearer {ctx.token}"},
            threads=p.throughput_threads,
            connections=p.throughput_connections,
            script="stats.lua",
        )
        for url in (ctx.service_url, two_url)
    }
    for cmd in me.values():  # warm
        run_wrk(replace_seconds(cmd, p.warmup_seconds))
    me_rps = {url: run_wrk(cmd).requests_per_s for url, cmd in me.items()}
    logins = {}
    for url in (ctx.service_url, two_url):
        storm = run_wrk(
            login_storm_cmd(
                replace(ctx, service_url=url), p.storm_clients, p.storm_seconds
            )
        ).summary
        logins[url] = storm["ok"] / (storm["duration_us"] / 1e6)
    me_ratio = me_rps[two_url] / me_rps[ctx.service_url]
    login_ratio = logins[two_url] / max(logins[ctx.service_url], 1e-9)
    return Figure(
        "h",
        "2 workers ÷ 1 worker: GET /auth/me req/s",
        me_ratio,
        "x",
        "report",
        None,
        {
            "me_rps_1": round(me_rps[ctx.service_url]),
            "me_rps_2": round(me_rps[two_url]),
            "logins_per_s_1": round(logins[ctx.service_url], 1),
            "logins_per_s_2": round(logins[two_url], 1),
            "login_ratio": round(login_ratio, 3),
        },
        (
            f"/me {me_rps[ctx.service_url]:.0f} -> {me_rps[two_url]:.0f} req/s; logins {logins[ctx.service_url]:.1f}"
            f" -> {logins[two_url]:.1f}/s (x{login_ratio:.2f})"
        ),
    )


def start_instance(
    ctx: Context, name: str, extra_args: tuple[str, ...] = ()
) -> tuple[str, int]:
    """Another `authgate serve` on the same database (a second instance behind a load balancer)."""
    assert ctx.processes is not None
    port = free_port()
    log = RESULTS_DIR / f"{name}.log"
    proc = ctx.processes.start(
        name,
        [
            str(SERVICE_BIN / "authgate"),
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            *extra_args,
        ],
        ctx.env,
        log,
    )
    url = f"http://{HOST}:{port}"
    wait_until_up(f"{url}/health", proc, log)
    return url, proc.pid


def seconds_until_refused(url: str, token: str, limit: float = 5.0) -> float:
    """Polls GET /auth/me with `token` every 5 ms on one connection until it is refused; seconds waited."""
    parsed = urllib.parse.urlsplit(url)
    connection = HTTPConnection(parsed.hostname or HOST, parsed.port, timeout=5)
    started = time.monotonic()
    try:
        while time.monotonic() - started < limit:
            connection.request(
                "GET", "/auth/me", headers={"Authorization": f"Bearer {token}"}
            )
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                return time.monotonic() - started
            time.sleep(0.005)
    finally:
        connection.close()
    return float("inf")


def figure_revocation_seen(ctx: Context, rounds: int = 4) -> Figure:
    """(g) A sign-out everywhere made on one instance, or a suspension by the CLI, refused on another instance."""
    other_url, _ = start_instance(ctx, "authgate-2")
    waits: dict[str, list[float]] = {"sign_out_everywhere": [], "suspension": []}
    for n in range(rounds):
        for kind, kind_waits in waits.items():
            email = f"bench-revoke-{kind}-{n}@example.com"
            status, body = http(
                "POST", f"{ctx.service_url}/auth/signup", signup_body(email)
            )
            if status != 201:
                raise RuntimeError(f"sign-up for (g): {status} {body[:200]!r}")
            token = json.loads(body)["access_token"]
            # the other instance has the reader in memory (the case a cache would make slow to notice)
            for _ in range(3):
                assert (
                    http(
                        "GET",
                        f"{other_url}/auth/me",
                        headers={"Authorization": f"Bearer {token}"},
                    )[0]
                    == 200
                )
            if kind == "sign_out_everywhere":
                status, _ = http(
                    "DELETE",
                    f"{ctx.service_url}/auth/sessions",
                    {"password": USER_PASSWORD},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert status == 204, status
            else:
                subprocess.run(
                    [str(SERVICE_BIN / "authgate"), "users", "suspend", email],
                    env=ctx.env,
                    cwd=RESULTS_DIR,
                    check=True,
                    capture_output=True,
                    timeout=60,
                )
            # from the moment the change committed (the response, the CLI's exit) to the first refusal there
            kind_waits.append(seconds_until_refused(other_url, token))
    worst = max(max(w) for w in waits.values())
    return Figure(
        "g",
        "revocation seen on another instance (s, worst)",
        round(worst, 3),
        "s",
        "<= 1.0",
        aim_ok(worst, "<=", 1.0),
        details={kind: [round(w, 3) for w in values] for kind, values in waits.items()},
        note=(
            f"sign-out everywhere: worst {max(waits['sign_out_everywhere']):.3f} s, suspension (CLI): worst "
            f"{max(waits['suspension']):.3f} s, over {rounds} readers each (CURRENT_USER_CACHE_SECONDS "
            f"{ctx.env.get('CURRENT_USER_CACHE_SECONDS', 'default')})"
        ),
    )


class KeepAlive:
    """One HTTP/1.1 connection reused for every request, as a client (or an attacker) would: the figure then
    compares the service's work, not TCP set-up, which would otherwise be most of a cheap answer's time."""

    def __init__(self, base_url: str) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.connection = HTTPConnection(
            parsed.hostname or HOST, parsed.port, timeout=30
        )

    def post(
        self, path: str, body: dict[str, Any]
    ) -> tuple[int, bytes, dict[str, str]]:
        self.connection.request(
            "POST", path, json.dumps(body), {"Content-Type": "application/json"}
        )
        response = self.connection.getresponse()
        return (
            response.status,
            response.read(),
            {k.lower(): v for k, v in response.getheaders()},
        )

    def close(self) -> None:
        self.connection.close()


BENCH_OPEN_WINDOWS = (
    "RATE_LIMIT_SIGNUP_IP",
    "RATE_LIMIT_LOGIN_IP",
    "RATE_LIMIT_LOGIN_ACCOUNT",
)

# the rate-limit figure runs last: a limiter, once added, would lock the bench account out
FIGURES: list[tuple[str, Callable[[Context], Figure]]] = [
    ("a", figure_me_throughput),
    ("b", figure_login_throughput),
    ("c", figure_me_p99_under_storm),
    ("d", figure_peak_rss),
    ("f", figure_totp_cost),
    ("g", figure_revocation_seen),
    ("h", figure_two_workers),
    ("e", figure_rate_limit),
]


# ---------------------------------------------------------------------------------------------
# the run


def print_table(figures: list[Figure]) -> None:
    rows = [("figure", "measured", "absolute", "aim", "met")]
    for f in figures:
        value = (
            "—"
            if f.value is None
            else (
                f"{f.value:.3f}" if f.unit in ("x", "s") else f"{f.value:.0f} {f.unit}"
            )
            + (" s" if f.unit == "s" else "")
        )
        met = "n/a" if f.met is None else ("yes" if f.met else "NO")
        rows.append((f"({f.key}) {f.name}", value, f.note, f.aim, met))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", help="comma-separated figure keys, e.g. a,c")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when an aim is missed"
    )
    args = parser.parse_args(argv)
    plan = Plan.quick() if args.quick else Plan()
    # `kill`/make's SIGTERM must still stop the servers and drop the database (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    ensure_service_venv()

    env = {
        **os.environ,
        "DATABASE_URL": bench_database_url(),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
    }
    # every request comes from 127.0.0.1 and the storms sign the same 64 accounts in hundreds of times a second:
    # the per-IP and per-account windows are opened (unless set in the environment); the failure lockout,
    # which figure (e) measures, keeps its defaults
    for name in BENCH_OPEN_WINDOWS:
        env.setdefault(name, "1000000/minute")
    argon2 = effective_argon2(env)
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1) / 2:
        print(
            f"bench: warning: load average {load_before[0]:.1f} before the run; other work on this machine "
            "will show in the figures",
            flush=True,
        )
    processes = Processes()
    figures: list[Figure] = []
    failures: list[str] = []
    try:
        print(f"bench: database {DB_NAME}, argon2 {argon2}", flush=True)
        recreate_database(create=True)
        subprocess.run(
            [str(SERVICE_BIN / "authgate"), "migrate"],
            env=env,
            cwd=RESULTS_DIR,
            check=True,
            capture_output=True,
            timeout=120,
        )

        service_port, bare_port = free_port(), free_port()
        service_url, bare_url = (
            f"http://{HOST}:{service_port}",
            f"http://{HOST}:{bare_port}",
        )
        service_log, bare_log = RESULTS_DIR / "service.log", RESULTS_DIR / "bare.log"
        service = processes.start(
            "authgate",
            [
                str(SERVICE_BIN / "authgate"),
                "serve",
                "--host",
                HOST,
                "--port",
                str(service_port),
            ],
            env,
            service_log,
        )
        bare = processes.start(
            "bare",
            [
                str(SERVICE_BIN / "python"),
                str(BENCH_DIR / "bare_app.py"),
                "--host",
                HOST,
                "--port",
                str(bare_port),
            ],
            env,
            bare_log,
        )
        wait_until_up(f"{service_url}/health", service, service_log)
        wait_until_up(f"{bare_url}/json", bare, bare_log)
        token = create_users(service_url, N_USERS)
        status, body = http(
            "GET",
            f"{service_url}/auth/me",
            headers={"Authorization": f"Bearer {token}"},
        )
        if status != 200:
            raise RuntimeError(
                f"GET /auth/me with the bench token: {status} {body[:200]!r}"
            )

        ctx = Context(
            plan,
            service_url,
            bare_url,
            service.pid,
            token,
            argon2,
            service_log,
            env,
            processes,
        )
        wanted = set(args.only.split(",")) if args.only else None
        for key, figure_fn in FIGURES:
            if wanted and key not in wanted:
                continue
            t0 = time.monotonic()
            try:
                figure = figure_fn(ctx)
            except Exception as error:  # noqa: BLE001 - one broken figure must not hide the others
                figure = Figure(
                    key, figure_fn.__name__, None, "", "", None, note=f"FAILED: {error}"
                )
                failures.append(key)
            print(
                f"bench: ({figure.key}) {figure.note}  [{time.monotonic() - t0:.0f}s]",
                flush=True,
            )
            figures.append(figure)
    finally:
        processes.stop_all()
        try:
            recreate_database(create=False)
        except Exception as error:  # noqa: BLE001
            print(f"bench: could not drop {DB_NAME}: {error}", file=sys.stderr)

    elapsed = time.monotonic() - started
    print()
    print_table(figures)
    print(
        f"\n{len(figures)} figures in {elapsed:.0f} s on {os.cpu_count()} cores; "
        f"argon2 t={argon2['time_cost']} m={argon2['memory_cost']} KiB p={argon2['parallelism']}, "
        f"{argon2['hashing_max_in_flight']} hashes in flight"
    )
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(elapsed, 1),
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "config": argon2,
        "plan": asdict(plan),
        "figures": [asdict(f) for f in figures],
    }
    (RESULTS_DIR / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {RESULTS_DIR / 'latest.json'}")
    if args.strict and any(f.met is False for f in figures):
        return 1
    # an aim missed is a finding, not a failure of the bench; a figure that could not be measured is
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
