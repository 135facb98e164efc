"""What operators see: liveness, readiness with bounded checks, Prometheus metrics (one process and several
workers), JSON logs with request ids, and no secret in the logs of a whole run."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import select
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest

from authgate.observability import AccessWriter, _json_access_line
from tests.conftest import PASSWORD, FakeClock, app_client, make_settings, signup, signup_body
from tests.ports import free_port
from tests.relay import TcpRelay
from tests.serving import AUTHGATE, cli_env, run_cli

HUNG_AFTER_SECONDS = 15


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        sample_name, _, sample_labels = sample.partition("{")
        found = ",".join(sorted(sample_labels.rstrip("}").split(","))) if sample_labels else ""
        if sample_name == name and found == wanted:
            return float(value)
    return 0.0


async def test_liveness_and_readiness(client: httpx.AsyncClient, database_url: str) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    expected_redis = "ok" if database_url.startswith("postgresql") else "not configured"
    assert ready.json() == {"status": "ok", "database": "ok", "redis": expected_redis}


@pytest.mark.faults  # bounds a wait in seconds: run alone (make test-faults)
async def test_readiness_is_503_within_its_timeouts_when_the_database_is_silent(
    relay: tuple[TcpRelay, str], clock: FakeClock
) -> None:
    hop, url = relay
    settings = make_settings(url, db_connect_timeout_seconds=1, db_statement_timeout_seconds=1)
    async with app_client(settings, clock) as http:
        assert (await http.get("/readyz")).status_code == 200
        hop.silence()
        started = time.monotonic()
        answer = await asyncio.wait_for(http.get("/readyz"), HUNG_AFTER_SECONDS)
        assert answer.status_code == 503
        assert answer.json()["database"] == "unavailable"
        assert int(answer.headers["retry-after"]) > 0
        assert time.monotonic() - started < 5
        hop.restore()


async def test_readiness_names_an_unreachable_redis(database_url: str, clock: FakeClock) -> None:
    # degraded, still ready: the service serves without Redis (its own counters), so a Redis outage must not take
    # every instance out of rotation (tests/test_faults.py tests the degraded mode itself)
    settings = make_settings(database_url, redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_seconds=0.5)
    async with app_client(settings, clock) as http:
        answer = await http.get("/readyz")
        assert answer.status_code == 200
        assert answer.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}


async def test_metrics_count_sign_ins_by_outcome_and_refusals_by_rule(database_url: str, clock: FakeClock) -> None:
    settings = make_settings(database_url, rate_limit_login_ip="3/minute")
    async with app_client(settings, clock) as http:
        before = (await http.get("/metrics")).text
        await signup(http, "metrics@example.com")
        http.cookies.clear()
        ok = await http.post("/auth/login", json={"email": "metrics@example.com", "password": PASSWORD})
        wrong = await http.post("/auth/login", json={"email": "metrics@example.com", "password": "Wrong-pass-1"})
        limited = [await http.post("/auth/login", json={"email": "x@example.com", "password": "y"}) for _ in range(3)]
        assert ok.status_code == 200 and wrong.status_code == 401 and limited[-1].status_code == 429
        after = (await http.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert grew("authgate_sign_ins_total", method="password", outcome="succeeded") == 1
    assert grew("authgate_sign_ins_total", method="signup", outcome="succeeded") == 1
    assert grew("authgate_sign_ins_total", method="password", outcome="failed") >= 1
    assert grew("authgate_rate_limited_total", rule="login_ip") >= 1
    assert grew("authgate_http_requests_total", route="/auth/login", status="200") == 1
    assert grew("authgate_http_requests_total", route="/auth/login", status="429") >= 1
    assert grew("authgate_http_request_duration_seconds_count", route="/auth/login") >= 4
    assert grew("authgate_password_hash_seconds_count", phase="hash") >= 2


async def test_metrics_can_require_a_token(database_url: str, clock: FakeClock) -> None:
    settings = make_settings(database_url, metrics_token="scrape-token-0123456789abcdef")
    async with app_client(settings, clock) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        scraped = await http.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789abcdef"})
        assert scraped.status_code == 200 and "authgate_http_requests_total" in scraped.text


async def test_a_blank_metrics_token_lets_no_one_in(database_url: str, clock: FakeClock) -> None:
    # attack pass: `METRICS_TOKEN=` (blank: a compose file's `${METRICS_TOKEN}` of an unset variable) answered 401 to a
    # plain GET, so the doctor reported /metrics as not public, while `Authorization: Bearer` with nothing after it
    # matched the empty token and read every metric
    async with app_client(make_settings(database_url, metrics_token=""), clock) as http:
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}, {"Authorization": "bearer"}):
            assert (await http.get("/metrics", headers=headers)).status_code == 401, headers


async def test_metrics_can_be_turned_off(database_url: str, clock: FakeClock) -> None:
    async with app_client(make_settings(database_url, metrics=False), clock) as http:
        assert (await http.get("/metrics")).status_code == 404


@contextmanager
def serving_with_logs(env: dict[str, str], *extra: str) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [AUTHGATE, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, lines
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
        lines.extend(output.splitlines())


def test_the_logs_of_a_whole_run_are_json_with_request_ids_and_hold_no_secret(database_url: str) -> None:
    smtp_password = "smtp-password-never-logged-42"
    env = cli_env(
        database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(free_port()),  # nobody listens: the mail fails, and its failure is logged
        SMTP_STARTTLS="false",
        SMTP_USERNAME="mailer",
        SMTP_PASSWORD=smtp_password,
    )
    assert run_cli("migrate", env=env).returncode == 0
    secrets_seen: list[str] = [env["JWT_SECRET_KEY"], smtp_password, PASSWORD]
    with serving_with_logs(env) as (base, lines):
        signed_up = httpx.post(f"{base}/auth/signup", json=signup_body("logs@example.com"))
        secrets_seen += [signed_up.json()["access_token"], signed_up.cookies["refresh_token"]]
        login = httpx.post(f"{base}/auth/login", json={"email": "logs@example.com", "password": PASSWORD})
        secrets_seen += [login.json()["access_token"], login.cookies["refresh_token"]]
        httpx.post(f"{base}/auth/login", json={"email": "logs@example.com", "password": "Wrong-password-9"})
        httpx.post(f"{base}/auth/refresh", cookies={"refresh_token": login.cookies["refresh_token"]})
        httpx.post(f"{base}/auth/forgot-password", json={"email": "logs@example.com"})
        httpx.get(f"{base}/auth/oauth/github/callback?code=provider-code-secret-77&state=s")
        secrets_seen.append("provider-code-secret-77")
        traced = httpx.get(f"{base}/auth/me", headers={"X-Request-ID": "trace-me-123", "Authorization": "Bearer x"})
        assert traced.headers["x-request-id"] == "trace-me-123"
        time.sleep(1)
    text = "\n".join(lines)
    for secret in secrets_seen:
        assert secret not in text, "a secret reached the log"
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records and len(records) == len([line for line in lines if line.strip()]), "every line is one JSON object"
    access = [r for r in records if r["logger"] == "authgate.access"]
    assert {"method", "route", "status", "duration_ms", "request_id"} <= set(access[0])
    assert any(r.get("request_id") == "trace-me-123" and r["route"] == "/auth/me" for r in access)
    assert any(r["logger"] == "authgate.mail" and r["level"] == "error" for r in records)
    assert not re.search(r"code=|state=", text)


def test_metrics_add_up_every_worker(database_url: str) -> None:
    env = cli_env(database_url)
    assert run_cli("migrate", env=env).returncode == 0
    with serving_with_logs(env, "--workers", "2") as (base, _):
        with httpx.Client() as http:
            for _ in range(40):
                # a new connection each time: the kernel spreads them over both workers
                assert httpx.post(f"{base}/auth/refresh").status_code == 401
            scrapes = {
                metric(
                    http.get(f"{base}/metrics").text,
                    "authgate_http_requests_total",
                    route="/auth/refresh",
                    status="401",
                )
                for _ in range(6)
            }
    # whichever worker answers the scrape, it reports both workers' requests
    assert scrapes == {40.0}


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_the_access_writer_writes_every_line_whole_and_as_the_json_formatter_would() -> None:
    read_end, write_end = os.pipe()
    writer = AccessWriter(write_end, "json", flush_seconds=60, max_buffered=10_000)
    reader = concurrent.futures.ThreadPoolExecutor(1).submit(read_all, read_end)
    for n in range(2000):
        writer.write("GET", "/auth/me", 200, n / 10, f"request-{n}")
    writer.close()  # what is still buffered is written at exit
    os.close(write_end)
    lines = reader.result(timeout=10).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["request_id"] for r in records] == [f"request-{n}" for n in range(2000)]
    assert set(records[5]) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
    }
    assert records[5]["message"] == "GET /auth/me 200 0.5ms" and records[5]["logger"] == "authgate.access"
    os.close(read_end)


@pytest.mark.parametrize("request_id", [None, "", "0123abcd", 'a "quoted" \\ id', "ünïcode\u2028\x01\n"])
@pytest.mark.parametrize("duration_ms", [0.0, 0.1, 12.5, 1e-7, 123456.7])
def test_an_access_line_is_exactly_what_json_dumps_writes(request_id: str | None, duration_ms: float) -> None:
    now = 1_764_000_000.1236
    route = '/auth/"odd"\\route'
    message = f"PATCH {route} 418 {duration_ms:.1f}ms"
    fields: dict[str, object] = {
        "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "logger": "authgate.access",
        "message": message,
    }
    if request_id:
        fields["request_id"] = request_id
    fields.update(method="PATCH", route=route, status=418, duration_ms=duration_ms)
    line = _json_access_line(now, message, request_id, "PATCH", route, 418, duration_ms)
    assert line == json.dumps(fields, ensure_ascii=False)


def test_the_access_writer_writes_a_quiet_moments_lines_without_being_asked() -> None:
    read_end, write_end = os.pipe()
    writer = AccessWriter(write_end, "text", flush_seconds=0.05)
    try:
        writer.write("POST", "/auth/login", 401, 20.0, "quiet-1")
        ready, _, _ = select.select([read_end], [], [], 5)
        assert ready, "the line was not written within 5 s"
        assert (
            os.read(read_end, 4096).decode().endswith(" INFO authgate.access [quiet-1] POST /auth/login 401 20.0ms\n")
        )
    finally:
        writer.close()
        os.close(write_end)
        os.close(read_end)
