"""Ports for the servers the tests start (a subprocess, or a server that binds on its own).

`bind(("127.0.0.1", 0))` hands out ports from Linux's ephemeral range, the same range every outgoing connection of
every process takes its own port from, and a port let go is soon handed out again. Between a test picking a port and
its server binding it, another pytest-xdist worker once got the same port for its own Redis: this worker's Redis
could not bind, the test talked to the other one, and found its keys missing. So each worker hands out ports from a
block of its own, below the ephemeral range (32768 and up here), checking that each is free when handed out.
"""

from __future__ import annotations

import itertools
import os
import socket

BLOCK = 2000
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_FIRST = 20000 + _WORKER * BLOCK
_turn = itertools.count()


def free_port() -> int:
    """A port on 127.0.0.1 that is free now and that no other worker of this run hands out."""
    return free_run_of_ports(1)


def free_run_of_ports(count: int) -> int:
    """The first of `count` consecutive ports, each free now; none of them is handed out again until the block has
    gone round (a cluster puts its instances on the ports right after nginx's)."""
    for _ in range(BLOCK):
        start = _FIRST + next(_turn) % (BLOCK - count + 1)
        if all(_is_free(start + n) for n in range(count)):
            for _ in range(count - 1):
                next(_turn)  # the rest of the run is taken too
            return start
    raise RuntimeError(f"no run of {count} free ports in {_FIRST}..{_FIRST + BLOCK - 1}")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False  # in use by a server of this worker, or by some other process of the machine
    return True
