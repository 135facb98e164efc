"""What operators see: Prometheus metrics, JSON log lines carrying the request id, and nothing secret in either.

The metrics are prometheus-client's, defined once here; with several uvicorn workers (`authgate serve --workers N`)
the CLI points PROMETHEUS_MULTIPROC_DIR at a fresh directory before the workers start, and `/metrics` adds up every
worker's files (prometheus-client's multiprocess mode), so a scrape that lands on any worker sees them all.

Log lines never hold a request body, a query string, a cookie or an Authorization header: the access log is ours
(method, route template, status, time, request id), uvicorn's own (which logs query strings: an OAuth callback's
`code`) is turned off by the CLI.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import threading
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "authgate_http_requests_total", "Requests to the auth routes, by route template and status", ["route", "status"]
)
HTTP_LATENCY = Histogram(
    "authgate_http_request_duration_seconds",
    "Time to answer an auth route, by route template",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SIGN_INS = Counter(
    "authgate_sign_ins_total",
    "Sign-in outcomes: succeeded, challenged (a second factor asked), failed; by method",
    ["method", "outcome"],
)
REFRESH_REUSE = Counter(
    "authgate_refresh_token_reuse_total", "Rotated refresh tokens presented again (their family revoked)"
)
RATE_LIMITED = Counter("authgate_rate_limited_total", "Requests refused with 429, by rule", ["rule"])
HASH_SECONDS = Histogram(
    "authgate_password_hash_seconds",
    "Password hashing: time waiting for a hashing thread, and time hashing",
    ["phase"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
REDIS_SECONDS = Histogram(
    "authgate_redis_seconds",
    "The rate limiter's calls to Redis, by outcome: ok, or failed (refused, timed out, an error)",
    ["outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
HASH_QUEUE = Gauge(
    "authgate_password_hash_queue",
    "Password hashes waiting for or running on a hashing thread",
    multiprocess_mode="livesum",
)
HASHES_SHED = Counter(
    "authgate_password_hashes_shed_total",
    "Password hashes not run: no hashing thread took them within HASHING_QUEUE_TIMEOUT_SECONDS (answered 503)",
)
# the whole outbox (every instance's mail), as last counted by a sender: each worker counts the same table, so the
# workers' values are not added up but the most recent one is shown
MAIL_PENDING = Gauge(
    "authgate_mail_pending", "Mails in the outbox: queued, not yet sent or given up", multiprocess_mode="livemostrecent"
)
MAIL_SENT = Counter(
    "authgate_mail_total",
    "Mail sending, by outcome: sent (accepted by SMTP), failed (an attempt; tried again), expired (given up), "
    "dropped (its body could not be opened)",
    ["outcome"],
)


def metrics_document() -> tuple[bytes, str]:
    """The exposition text: this process's metrics, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def observe_request(route: str, status: int, started: float) -> None:
    counted, timed = _request_metrics(route, status)
    counted.inc()
    timed.observe(time.perf_counter() - started)


@functools.lru_cache(maxsize=1024)
def _request_metrics(route: str, status: int) -> tuple[Any, Any]:
    # a route template and a status: a few hundred pairs at most. `labels()` takes a lock and builds its key on
    # every call; the child it returns is the same object every time
    return HTTP_REQUESTS.labels(route, str(status)), HTTP_LATENCY.labels(route)


# ---------------------------------------------------------------- logs

REQUEST_ID: ContextVar[str | None] = ContextVar("authgate_request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record logged while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the exception's type and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        for extra in ("method", "route", "status", "duration_ms"):
            if hasattr(record, extra):
                line[extra] = getattr(record, extra)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str, level: str = "info") -> None:
    """For the standalone service: one handler on the root logger, JSON or plain text, with request ids."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(RequestIdFilter())
    # warnings (a library's deprecation notice) become log lines too, in the same format
    logging.captureWarnings(True)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    global _access_writer
    if _access_writer is not None:
        _access_writer.close()
    # the access log of the service itself: the same lines, written without the logging machinery (see AccessWriter)
    _access_writer = (
        AccessWriter(handler.stream.fileno(), log_format) if ACCESS_LOG.isEnabledFor(logging.INFO) else None
    )


ACCESS_LOG = logging.getLogger("authgate.access")
# PIPE_BUF (POSIX): a write of at most this many bytes to a pipe is never interleaved with another process's
ATOMIC_WRITE_BYTES = 4096


class AccessWriter:
    """The standalone service's access log: one line per request, as the logging handler would write it, buffered.

    Through `logging` an access line cost about a fifth of a GET /auth/me (a LogRecord, filters, the formatter, and
    a write and flush for every line). Here a line is formatted directly and kept until 32 KiB are waiting or
    `flush_seconds` have passed (a background thread writes what a quiet moment leaves behind, and exit writes the
    rest): a crash can lose at most that last fraction of a second of access lines, never other log lines, which
    still go through `logging` one by one. Chunks of at most PIPE_BUF bytes, cut at line ends, keep the lines of
    several workers on one pipe whole.
    """

    def __init__(self, fd: int, log_format: str, flush_seconds: float = 0.25, max_buffered: int = 32 * 1024) -> None:
        self.fd = fd
        self.json = log_format == "json"
        self.flush_seconds = flush_seconds
        self.max_buffered = max_buffered
        self._lines: list[bytes] = []
        self._size = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._flusher = threading.Thread(target=self._flush_now_and_then, name="authgate-access-log", daemon=True)
        self._flusher.start()
        atexit.register(self.close)

    def write(self, method: str, route: str, status: int, duration_ms: float, request_id: str | None) -> None:
        now = time.time()
        message = f"{method} {route} {status} {duration_ms:.1f}ms"
        if self.json:
            line = _json_access_line(now, message, request_id, method, route, status, duration_ms)
        else:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f",{int(now * 1000) % 1000:03d}"
            line = f"{stamp} INFO {ACCESS_LOG.name} [{request_id}] {message}"
        data = (line + "\n").encode("utf-8", "replace")
        with self._lock:
            self._lines.append(data)
            self._size += len(data)
            full = self._size >= self.max_buffered
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines, self._size = self._lines, [], 0
        chunk = b""
        for line in lines:
            if chunk and len(chunk) + len(line) > ATOMIC_WRITE_BYTES:
                self._write(chunk)
                chunk = b""
            chunk += line
        if chunk:
            self._write(chunk)

    def _write(self, data: bytes) -> None:
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:
            pass  # the log's reader went away: requests go on

    def _flush_now_and_then(self) -> None:
        while not self._closed.wait(self.flush_seconds):
            if self._size:
                self.flush()

    def close(self) -> None:
        self._closed.set()
        self.flush()


# json.dumps(..., ensure_ascii=False)'s own string encoder (C): the same escaping, without building a dict first
_json_string = json.encoder.encode_basestring
_ACCESS_LOGGER_FIELD = ", ".join(('"level": "info"', '"logger": ' + _json_string(ACCESS_LOG.name)))


def _json_access_line(
    now: float, message: str, request_id: str | None, method: str, route: str, status: int, duration_ms: float
) -> str:
    """What json.dumps(ensure_ascii=False) writes for the access record (the test compares the two), put together
    directly: the dict and the generic encoder were a twentieth of a GET /auth/me."""
    stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    identified = f', "request_id": {_json_string(request_id)}' if request_id else ""
    return (
        f'{{"time": "{stamp}", {_ACCESS_LOGGER_FIELD}, "message": {_json_string(message)}{identified}, '
        f'"method": {_json_string(method)}, "route": {_json_string(route)}, "status": {int(status)}, '
        f'"duration_ms": {float(duration_ms)!r}}}'
    )


_access_writer: AccessWriter | None = None


def log_access(method: str, route: str, status: int, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    writer = _access_writer
    if writer is not None:
        writer.write(method, route, status, duration_ms, REQUEST_ID.get())
        return
    ACCESS_LOG.info(
        "%s %s %s %.1fms",
        method,
        route,
        status,
        duration_ms,
        extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
    )
