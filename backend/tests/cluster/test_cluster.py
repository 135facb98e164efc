"""Many instances: two `authgate serve` behind real nginx (round robin), through real PgBouncer in transaction mode,
on one PostgreSQL and one Redis. Each request's instance is known twice over: nginx's X-Upstream header (this
test build only) and the instances' own /metrics, asked directly.

Clients connect from distinct loopback addresses (127.0.0.x): to nginx they are distinct real clients, and the
instances see them through X-Forwarded-For, trusted from nginx's address only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from authgate.settings import Settings
from tests.cluster.conftest import (
    LOGIN_IP_LIMIT,
    RESET_REQUIRED_AFTER,
    RUNNER_PATH,
    SLOWDOWN_AFTER,
    UPSTREAM,
    Running,
    load_runner,
    require_tools,
    signup_body,
)
from tests.conftest import PASSWORD, TEST_REDIS_URL, TEST_SECRET, fresh_postgres_database
from tests.mail.smtp import text_part
from tests.ports import free_port, free_run_of_ports

REFRESH = "/auth/refresh"
# the instances run with the default: how long each keeps a reader in memory
CACHE_SECONDS = float(Settings.model_fields["current_user_cache_seconds"].default)


def new_email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def cookie_of(response: httpx.Response) -> str:
    value = response.cookies.get("refresh_token")
    assert value, response.headers.get("set-cookie")
    return value


def refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(REFRESH, headers={"cookie": f"refresh_token={token}"})


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def served_by(response: httpx.Response) -> str:
    upstream = response.headers.get(UPSTREAM)
    assert upstream, "nginx names the instance that answered"
    return upstream


def other(cluster: Running, upstream: str) -> str:
    (found,) = [address for address in cluster.upstreams() if address != upstream]
    return found


def test_nginx_spreads_requests_over_both_instances(cluster: Running) -> None:
    with cluster.client("127.0.0.10") as client:
        seen = [served_by(client.get("/health")) for _ in range(6)]
    assert set(seen) == set(cluster.upstreams())
    # round robin: consecutive requests alternate
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False)), seen


def test_signed_in_on_one_instance_refreshed_on_the_other(cluster: Running) -> None:
    email = new_email("two")
    with cluster.client("127.0.0.11") as client:
        assert client.post("/auth/signup", json=signup_body(email)).status_code == 201
        before = {
            url: cluster.metric(url, "authgate_http_requests_total", route=REFRESH, status="200")
            for url in cluster.instances
        }

        login = client.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        signed_in_on = served_by(login)

        refreshed = refresh(client, cookie_of(login))
        assert refreshed.status_code == 200, refreshed.text
        refreshed_on = served_by(refreshed)
        assert refreshed_on == other(cluster, signed_in_on)
        # the instance's own count agrees with nginx: the refresh was served there, and only there
        after = {
            url: cluster.metric(url, "authgate_http_requests_total", route=REFRESH, status="200")
            for url in cluster.instances
        }
        assert {url: after[url] - before[url] for url in cluster.instances} == {
            url: (1.0 if url.endswith(refreshed_on) else 0.0) for url in cluster.instances
        }

        # the new access token works on either instance, the rotated cookie too
        access = refreshed.json()["access_token"]
        answers = [client.get("/auth/me", headers=bearer(access)) for _ in range(2)]
        assert [r.status_code for r in answers] == [200, 200]
        assert {served_by(r) for r in answers} == set(cluster.upstreams())
        assert refresh(client, cookie_of(refreshed)).status_code == 200


def refused_soon(status: Callable[[], int], bound: float = CACHE_SECONDS + 2) -> bool:
    """Asks until the answer is 401, for at most `bound` seconds (the cache time, plus slack for a busy machine)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if status() == 401:
            return True
        time.sleep(0.05)
    return False


def test_sign_out_everywhere_on_one_instance_holds_on_the_other(cluster: Running) -> None:
    """Two devices; the reader ends every session on instance 1 (asked directly); instance 2 refuses the refresh
    cookie of the other device at once, and its access token once the reader it holds in memory is older than
    CURRENT_USER_CACHE_SECONDS (bench figure g measures how soon)."""
    email = new_email("everywhere")
    one, two = cluster.instances
    with cluster.client(base=one) as on_one, cluster.client(base=two) as on_two:
        assert on_one.post("/auth/signup", json=signup_body(email)).status_code == 201
        laptop = on_one.post("/auth/login", json={"email": email, "password": PASSWORD})
        phone = on_two.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert laptop.status_code == phone.status_code == 200
        phone_access = phone.json()["access_token"]
        assert on_two.get("/auth/me", headers=bearer(phone_access)).status_code == 200

        ended = on_one.delete("/auth/sessions", headers=bearer(laptop.json()["access_token"]))
        assert ended.status_code == 204, ended.text

        refused = refresh(on_two, cookie_of(phone))
        assert refused.status_code == 401, refused.text
        # where the change was made: at once
        assert on_one.get("/auth/me", headers=bearer(phone_access)).status_code == 401
        assert refused_soon(lambda: on_two.get("/auth/me", headers=bearer(phone_access)).status_code)
    # and through nginx, whichever instance answers
    with cluster.client("127.0.0.12") as client:
        answers = [client.get("/auth/me", headers=bearer(phone_access)) for _ in range(2)]
        assert [r.status_code for r in answers] == [401, 401]
        assert {served_by(r) for r in answers} == set(cluster.upstreams())


def test_sign_out_through_nginx_revokes_on_both(cluster: Running) -> None:
    email = new_email("logout")
    with cluster.client("127.0.0.13") as client:
        assert client.post("/auth/signup", json=signup_body(email)).status_code == 201
        login = client.post("/auth/login", json={"email": email, "password": PASSWORD})
        access, cookie = login.json()["access_token"], cookie_of(login)
        logout = client.post("/auth/logout", headers={**bearer(access), "cookie": f"refresh_token={cookie}"})
        assert logout.status_code == 204
        logged_out_on = served_by(logout)
        replay = refresh(client, cookie)
        assert replay.status_code == 401 and served_by(replay) == other(cluster, logged_out_on)
        me = [client.get("/auth/me", headers=bearer(access)) for _ in range(2)]
        assert [r.status_code for r in me] == [401, 401]
        assert {served_by(r) for r in me} == set(cluster.upstreams())


def test_rotation_reuse_is_detected_across_instances_through_pgbouncer(cluster: Running) -> None:
    """Sign-up, sign-in, refresh and reuse detection, every statement through PgBouncer in transaction mode."""
    (pool_mode,) = [row["value"] for row in cluster.pooler("SHOW CONFIG") if row["key"] == "pool_mode"]
    assert pool_mode == "transaction"
    transactions_before = _pooled_transactions(cluster)
    email = new_email("reuse")
    with cluster.client("127.0.0.14") as client:
        assert client.post("/auth/signup", json=signup_body(email)).status_code == 201
        login = client.post("/auth/login", json={"email": email, "password": PASSWORD})
        first = cookie_of(login)
        rotated = refresh(client, first)
        assert rotated.status_code == 200
        second = cookie_of(rotated)

        reused = refresh(client, first)
        assert reused.status_code == 401
        assert reused.json()["code"] == "REFRESH_TOKEN_REUSED"
        assert served_by(reused) == other(cluster, served_by(rotated))
        # the whole family ends: the successor, rotated on the other instance, is refused too
        assert refresh(client, second).status_code == 401
        detected_on = [url for url in cluster.instances if url.endswith(served_by(reused))][0]
        assert cluster.metric(detected_on, "authgate_refresh_token_reuse_total") >= 1
    # what PostgreSQL saw came through the pooler: many client connections, few server connections
    assert _pooled_transactions(cluster) > transactions_before
    pools = [row for row in cluster.pooler("SHOW POOLS") if row["database"] == "authgate"]
    servers = sum(int(row["sv_active"]) + int(row["sv_idle"]) + int(row["sv_used"]) for row in pools)
    clients = len([row for row in cluster.pooler("SHOW CLIENTS") if row["database"] == "authgate"])
    assert 1 <= servers <= cluster.cluster.config.pgbouncer_pool_size and servers < clients, (servers, clients)


def _pooled_transactions(cluster: Running) -> int:
    (row,) = [row for row in cluster.pooler("SHOW STATS") if row["database"] == "authgate"]
    return int(row["total_xact_count"])


def test_rate_limits_key_on_the_real_client_and_are_shared(cluster: Running) -> None:
    """RATE_LIMIT_LOGIN_IP attempts from one client, spread over both instances, use up its window in Redis;
    a header the client forges does not change who it is; another client is not affected."""
    with cluster.client("127.0.0.21") as client:
        answers = [
            client.post("/auth/login", json={"email": new_email("nobody"), "password": "Wrong-passw0rd"})
            for _ in range(LOGIN_IP_LIMIT)
        ]
        assert [r.status_code for r in answers] == [401] * LOGIN_IP_LIMIT
        assert {served_by(r) for r in answers} == set(cluster.upstreams())
        for forged in ({}, {"x-forwarded-for": "198.51.100.7"}, {"x-real-ip": "198.51.100.8"}):
            limited = client.post(
                "/auth/login", json={"email": new_email("nobody"), "password": "Wrong-passw0rd"}, headers=forged
            )
            assert limited.status_code == 429, (forged, limited.text)
            assert limited.json()["code"] == "RATE_LIMITED" and int(limited.headers["retry-after"]) > 0
    with cluster.client("127.0.0.22") as neighbour:
        assert (
            neighbour.post("/auth/login", json={"email": new_email("x"), "password": "Wrong-passw0rd"}).status_code
            == 401
        )


def test_the_instances_record_the_real_client_address(cluster: Running) -> None:
    email = new_email("address")
    with cluster.client("127.0.0.23") as client:
        signed_up = client.post("/auth/signup", json=signup_body(email), headers={"x-forwarded-for": "203.0.113.9"})
        assert signed_up.status_code == 201
        access = signed_up.json()["access_token"]
        sessions = [client.get("/auth/sessions", headers=bearer(access)) for _ in range(2)]
        assert {served_by(r) for r in sessions} == set(cluster.upstreams())
        assert {s["ip_address"] for r in sessions for s in r.json()} == {"127.0.0.23"}


def test_failed_sign_ins_split_over_instances_lock_the_account(cluster: Running) -> None:
    """The failure count is the account's, in PostgreSQL: failures alternating between the instances (from
    several addresses, so no per-IP window interferes) slow the account down, then require a password reset."""
    email = new_email("locked")
    with cluster.client("127.0.0.30") as home:
        assert home.post("/auth/signup", json=signup_body(email)).status_code == 201
    attackers = [cluster.client(f"127.0.0.{31 + n}") for n in range(RESET_REQUIRED_AFTER + 2)]
    try:
        wrong = {"email": email, "password": "Not-the-passw0rd"}
        failed = [attackers[n].post("/auth/login", json=wrong) for n in range(SLOWDOWN_AFTER)]
        assert [r.status_code for r in failed] == [401] * SLOWDOWN_AFTER
        assert {served_by(r) for r in failed} == set(cluster.upstreams())
        # the next attempt, on whichever instance, must wait: even with the right password
        slowed = attackers[SLOWDOWN_AFTER].post("/auth/login", json={"email": email, "password": PASSWORD})
        assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) >= 1, slowed.text
        for n in range(SLOWDOWN_AFTER, RESET_REQUIRED_AFTER):
            time.sleep(int(slowed.headers["retry-after"]))  # the server's own wait, on a real clock
            answer = attackers[n].post("/auth/login", json=wrong)
            assert answer.status_code == 401, answer.text
        # at the cap every instance refuses every password, the right one included, until a reset
        capped = [attackers[-1].post("/auth/login", json={"email": email, "password": PASSWORD}) for _ in range(2)]
        assert [(r.status_code, r.json()["code"]) for r in capped] == [(403, "PASSWORD_RESET_REQUIRED")] * 2
        assert {served_by(r) for r in capped} == set(cluster.upstreams())
    finally:
        for client in attackers:
            client.close()


def test_a_sign_up_through_nginx_mails_exactly_once(cluster: Running) -> None:
    email = new_email("mail")
    sent_before = sum(cluster.metric(url, "authgate_mail_total", outcome="sent") for url in cluster.instances)
    with cluster.client("127.0.0.40") as client:
        assert client.post("/auth/signup", json=signup_body(email)).status_code == 201
    cluster.wait_for_mail(email, 1)
    # a second copy would have had the same time to arrive
    time.sleep(2)
    mails = cluster.inbox.to(email)
    assert [m["Subject"] for m in mails] == ["Verify your email address"]
    assert "/auth/verify-email?token=" in text_part(mails[0])
    sent_after = sum(cluster.metric(url, "authgate_mail_total", outcome="sent") for url in cluster.instances)
    assert sent_after - sent_before == 1


def test_the_start_up_purge_ran_once_for_both_instances(cluster: Running) -> None:
    """Each instance starts its purge schedule at start-up; the scheduled_runs row lets one of them purge."""
    purged = cluster.log_lines("instance1", "cleanup: PurgeCounts") + cluster.log_lines(
        "instance2", "cleanup: PurgeCounts"
    )
    skipped = cluster.log_lines("instance1", "cleanup: skipped") + cluster.log_lines("instance2", "cleanup: skipped")
    assert (len(purged), len(skipped)) == (1, 1), (purged, skipped)
    rows = _direct(cluster.direct_url, "SELECT name, last_run_by FROM scheduled_runs")
    assert len(rows) == 1 and rows[0][0] == "purge_expired"
    pids = {str(process.pid) for name, process in cluster.cluster.processes.items() if name.startswith("instance")}
    assert rows[0][1].split(":")[1] in pids


def _direct(url: str, sql: str) -> list[tuple[object, ...]]:
    from sqlalchemy import create_engine, text

    from tests.conftest import sync_url

    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the `make cluster` script itself


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_cluster_script_serves_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    """`make cluster`'s command, as a terminal runs it: ready line, a sign-up through nginx and PgBouncer, then
    Ctrl-C (SIGINT to the process group) stops nginx, both instances and PgBouncer, and removes the run directory."""
    require_tools()
    port, pooler_port = free_run_of_ports(3), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "JWT_"))}
    env.update({"JWT_SECRET_KEY": TEST_SECRET, "TMPDIR": str(tmp_path)})
    with fresh_postgres_database("authgate_cluster_script") as direct_url:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, str(RUNNER_PATH), "--port", str(port), "--pgbouncer-port", str(pooler_port)]
            + ["--database-url", direct_url, "--redis-url", TEST_REDIS_URL],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        output: list[str] = []
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + 120
            for line in process.stdout:
                output.append(line)
                if line.startswith("cluster: ready") or time.monotonic() > deadline:
                    break
            assert output and output[-1].startswith("cluster: ready"), "".join(output[-30:])
            assert "transaction mode" in output[-1]
            run_dirs = list(tmp_path.glob("authgate-cluster-*"))
            assert len(run_dirs) == 1
            ports = [port, port + 1, port + 2, pooler_port]
            assert all(_listening(p) for p in ports)

            signed_up = httpx.post(f"http://127.0.0.1:{port}/auth/signup", json=signup_body(new_email("script")))
            assert signed_up.status_code == 201, signed_up.text

            os.killpg(process.pid, signal.SIGINT)
            rest, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    assert process.returncode == 0, rest[-3000:]
    assert rest.rstrip().endswith("cluster: stopped")
    assert not any(_listening(p) for p in ports)
    assert not run_dirs[0].exists()


def test_the_cluster_script_refuses_sqlite() -> None:
    runner = load_runner()
    assert runner.main(["--database-url", "sqlite:///x.db", "--redis-url", TEST_REDIS_URL]) == 2


# ---------------------------------------------------------------- why DATABASE_POOLER=pgbouncer is needed

# one process's database work, as an instance does it: an engine, a few transactions (no start-up parameters in
# either case, PgBouncer refuses them: only the statements differ)
ONE_PROCESS = """
import asyncio, sys
from sqlalchemy import text
from authgate.db import Timeouts, create_engine

async def main():
    engine = create_engine(sys.argv[1], pool_size=2, timeouts=Timeouts(server_side=False), pooler=sys.argv[2])
    try:
        for _ in range(3):
            async with engine.begin() as connection:
                await connection.execute(text("SELECT count(*) FROM users WHERE email = :e"), {"e": "x@y.z"})
    finally:
        await engine.dispose()

asyncio.run(main())
"""


def _one_process(url: str, pooler: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", ONE_PROCESS, url, pooler], capture_output=True, text=True, timeout=60, check=False
    )


def test_without_the_pooler_setting_two_processes_collide_on_pgbouncer(cluster: Running) -> None:
    """The control: asyncpg names its cached statements `__asyncpg_stmt_<n>__`, n counted per process, and they
    outlive the transaction on PgBouncer's server connection; the next process's statement of the same name, on
    that server connection, collides. With DATABASE_POOLER=pgbouncer nothing outlives a transaction."""
    url = cluster.cluster.pooled_database_url
    first, second = _one_process(url, "none"), _one_process(url, "none")
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode != 0 and "already exists" in second.stderr, second.stderr[-2000:]
    for _ in range(2):
        done = _one_process(url, "pgbouncer")
        assert done.returncode == 0, done.stderr[-2000:]
