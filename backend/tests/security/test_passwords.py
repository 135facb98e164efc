import asyncio
import os
import sys
import threading

import pwdlib
import pytest

from authgate.security import Argon2Params, HashingBusy, HashingPool, PasswordHasher, normalize_password

OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher()


# --- Argon2Params -----------------------------------------------------------


def test_default_params_are_owasp_minimum():
    assert Argon2Params() == Argon2Params(time_cost=2, memory_cost=19456, parallelism=1)


@pytest.mark.parametrize(
    ("field", "weak_value", "minimum"),
    [("time_cost", 1, 2), ("memory_cost", 19455, 19456), ("parallelism", 0, 1)],
)
def test_params_weaker_than_owasp_rejected(field, weak_value, minimum):
    with pytest.raises(ValueError, match=f"set {field} to at least {minimum}"):
        Argon2Params(**{field: weak_value})


def test_stronger_params_accepted():
    assert Argon2Params(time_cost=3, memory_cost=65536, parallelism=2).memory_cost == 65536


# --- normalisation and hashing ----------------------------------------------


def test_normalize_password_is_nfkc():
    assert normalize_password("\uff50\uff41\uff53\uff53\uff11") == "pass1"
    assert normalize_password("e\u0301") == "\u00e9"


def test_hash_uses_configured_argon2id_params(hasher):
    hashed = hasher.hash("SecureP@ssw0rd")
    assert hashed.startswith(OWASP_PREFIX)
    assert "SecureP@ssw0rd" not in hashed


def test_hashes_are_salted(hasher):
    assert hasher.hash("SecureP@ssw0rd") != hasher.hash("SecureP@ssw0rd")


def test_verify_correct_and_wrong_password(hasher):
    hashed = hasher.hash("SecureP@ssw0rd")
    assert hasher.verify_and_update("SecureP@ssw0rd", hashed) == (True, None)
    assert hasher.verify_and_update("SecureP@ssw0rD", hashed) == (False, None)


def test_hash_and_verify_normalise_with_nfkc(hasher):
    hashed = hasher.hash("\uff53\uff45\uff43\uff52\uff45\uff54\uff11\uff12")  # fullwidth "secret12"
    assert hasher.verify_and_update("secret12", hashed) == (True, None)


def test_rehash_returned_when_params_change(hasher):
    old_hash = hasher.hash("SecureP@ssw0rd")
    stronger = PasswordHasher(Argon2Params(time_cost=3))
    matches, new_hash = stronger.verify_and_update("SecureP@ssw0rd", old_hash)
    assert matches
    assert new_hash is not None
    assert new_hash.startswith("$argon2id$v=19$m=19456,t=3,p=1$")
    assert stronger.verify_and_update("SecureP@ssw0rd", new_hash) == (True, None)


def test_no_rehash_for_wrong_password_with_old_params(hasher):
    old_hash = hasher.hash("SecureP@ssw0rd")
    stronger = PasswordHasher(Argon2Params(time_cost=3))
    assert stronger.verify_and_update("wrong-password", old_hash) == (False, None)


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "not-a-hash",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$garbage",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
        "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=99$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  # bcrypt: unknown hasher
        "pbkdf2_sha256$600000$salt$hash",
        "\x00\xff",
    ],
)
def test_malformed_or_unknown_hash_is_false_not_an_error(hasher, malformed):
    assert hasher.verify_and_update("SecureP@ssw0rd", malformed) == (False, None)


def test_dummy_hash_uses_configured_params(hasher):
    assert hasher.dummy_hash.startswith(OWASP_PREFIX)
    stronger = PasswordHasher(Argon2Params(time_cost=3))
    assert stronger.dummy_hash.startswith("$argon2id$v=19$m=19456,t=3,p=1$")


def test_dummy_verify_runs_a_real_argon2_verification(hasher, monkeypatch):
    calls: list[tuple[str, str, bool]] = []
    real_verify = pwdlib.PasswordHash.verify

    def spy(self, password, hash):
        result = real_verify(self, password, hash)
        calls.append((password, hash, result))
        return result

    monkeypatch.setattr(pwdlib.PasswordHash, "verify", spy)
    assert hasher.dummy_verify("\uff53omeone's guess") is None
    assert len(calls) == 1
    password, dummy_hash, result = calls[0]
    assert password == "someone's guess"  # normalised like a real login
    assert dummy_hash == hasher.dummy_hash
    assert result is False


# --- HashingPool ------------------------------------------------------------


class CountingHasher(PasswordHasher):
    """Records how many hashes run at once and the niceness of the worker threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0
        self.worker_priorities: list[int] = []

    def hash(self, password: str) -> str:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            if hasattr(os, "getpriority"):
                self.worker_priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        try:
            return super().hash(password)
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def counting_hasher() -> CountingHasher:
    return CountingHasher()


async def test_pool_hashes_and_verifies(hasher):
    pool = HashingPool(hasher, max_in_flight=2)
    try:
        hashed = await pool.hash("SecureP@ssw0rd")
        assert hashed.startswith(OWASP_PREFIX)
        assert await pool.verify_and_update("SecureP@ssw0rd", hashed) == (True, None)
        assert await pool.verify_and_update("wrong", hashed) == (False, None)
        assert await pool.verify_and_update("wrong", "garbage") == (False, None)
        assert await pool.dummy_verify("anything") is None
    finally:
        pool.close()


async def test_pool_bounds_hashes_in_flight(counting_hasher):
    pool = HashingPool(counting_hasher, max_in_flight=2)
    try:
        hashes = await asyncio.gather(*(pool.hash(f"password-{i}") for i in range(8)))
    finally:
        pool.close()
    assert len(set(hashes)) == 8
    assert 1 <= counting_hasher.peak_in_flight <= 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux behaviour")
async def test_pool_workers_run_at_low_priority_and_event_loop_thread_does_not(counting_hasher):
    loop_thread_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    pool = HashingPool(counting_hasher, max_in_flight=2, niceness=19)
    try:
        await asyncio.gather(*(pool.hash(f"password-{i}") for i in range(4)))
    finally:
        pool.close()
    assert counting_hasher.worker_priorities
    assert set(counting_hasher.worker_priorities) == {19}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == loop_thread_priority


async def test_event_loop_keeps_ticking_while_hashing(hasher):
    pool = HashingPool(hasher, max_in_flight=2)
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.001)
            ticks += 1

    ticker_task = asyncio.create_task(ticker())
    try:
        await asyncio.gather(*(pool.hash(f"password-{i}") for i in range(6)))
    finally:
        done.set()
        await ticker_task
        pool.close()
    assert ticks >= 3


def test_pool_starts_no_threads_until_first_use(hasher):
    threads_before = threading.active_count()
    pool = HashingPool(hasher)
    assert threading.active_count() == threads_before
    assert pool.max_in_flight == (os.cpu_count() or 1)
    pool.close()  # closing an unused pool is harmless


async def test_pool_close_stops_workers_and_can_restart(hasher):
    pool = HashingPool(hasher, max_in_flight=1)
    await pool.hash("first-password")
    names = {t.name for t in threading.enumerate()}
    assert any(name.startswith("authgate-hash") for name in names)
    pool.close()
    assert not any(t.name.startswith("authgate-hash") for t in threading.enumerate())
    assert (await pool.hash("second-password")).startswith(OWASP_PREFIX)
    pool.close()


def test_pool_rejects_non_positive_bound(hasher):
    with pytest.raises(ValueError, match="max_in_flight"):
        HashingPool(hasher, max_in_flight=0)


class GatedHasher(PasswordHasher):
    """Each hash waits until the test opens the gate; records the passwords it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.started = threading.Event()
        self.hashed: list[str] = []

    def hash(self, password: str) -> str:
        self.started.set()
        self.gate.wait(10)
        self.hashed.append(password)
        return super().hash(password)


async def test_a_hash_no_thread_takes_within_the_queue_timeout_is_refused_and_never_run():
    hasher = GatedHasher()
    pool = HashingPool(hasher, max_in_flight=1, queue_timeout=0.2)
    try:
        first = asyncio.create_task(pool.hash("holds-the-only-thread"))
        await asyncio.to_thread(hasher.started.wait, 5)
        with pytest.raises(HashingBusy):
            await pool.hash("waits-too-long")
        hasher.gate.set()
        assert (await first).startswith(OWASP_PREFIX)
        # the refused one was taken off the queue: the thread, free again, never ran it
        assert (await pool.hash("after")).startswith(OWASP_PREFIX)
    finally:
        hasher.gate.set()
        pool.close()
    assert hasher.hashed == ["holds-the-only-thread", "after"]


async def test_a_hash_that_started_runs_to_its_end_past_the_queue_timeout():
    hasher = GatedHasher()
    pool = HashingPool(hasher, max_in_flight=1, queue_timeout=0.1, busy=lambda: AssertionError("shed a running hash"))
    try:
        running = asyncio.create_task(pool.hash("slow-but-started"))
        await asyncio.to_thread(hasher.started.wait, 5)
        await asyncio.sleep(0.3)  # three queue timeouts, all of it hashing
        hasher.gate.set()
        assert (await running).startswith(OWASP_PREFIX)
    finally:
        hasher.gate.set()
        pool.close()


@pytest.mark.parametrize("queue_timeout", [None, 30.0])
async def test_a_caller_that_goes_away_while_queued_leaves_nothing_to_run(queue_timeout):
    hasher = GatedHasher()
    pool = HashingPool(hasher, max_in_flight=1, queue_timeout=queue_timeout)
    try:
        first = asyncio.create_task(pool.hash("holds-the-only-thread"))
        await asyncio.to_thread(hasher.started.wait, 5)
        gone = asyncio.create_task(pool.hash("client-hung-up"))
        await asyncio.sleep(0.05)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        hasher.gate.set()
        await first
        await pool.hash("after")
    finally:
        hasher.gate.set()
        pool.close()
    assert hasher.hashed == ["holds-the-only-thread", "after"]


def test_pool_rejects_a_non_positive_queue_timeout(hasher):
    with pytest.raises(ValueError, match="queue_timeout"):
        HashingPool(hasher, queue_timeout=0)
