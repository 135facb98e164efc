"""The argon2 floor for figure (b): verifications/s at the configured parameters, all cores busy.

Runs in its own process (so the service's event loop is not in the way) with `--threads`
threads (default os.cpu_count()), each calling authgate's own
`PasswordHasher(Argon2Params(...)).verify_and_update` in a loop for `--seconds`.
argon2-cffi releases the GIL, so the threads hash in parallel. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time

from authgate.security import Argon2Params, PasswordHasher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-cost", type=int, required=True)
    parser.add_argument("--memory-cost", type=int, required=True)
    parser.add_argument("--parallelism", type=int, required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    hasher = PasswordHasher(
        Argon2Params(args.time_cost, args.memory_cost, args.parallelism)
    )
    password = "correct horse battery staple"
    hashed = hasher.hash(password)
    assert hasher.verify_and_update(password, hashed)[0]

    counts = [0] * args.threads
    start_barrier = threading.Barrier(args.threads + 1)
    deadline = 0.0

    def work(slot: int) -> None:
        start_barrier.wait()
        n = 0
        while time.perf_counter() < deadline:
            hasher.verify_and_update(password, hashed)
            n += 1
        counts[slot] = n

    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    t0 = time.perf_counter()
    deadline = t0 + args.seconds
    start_barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    total = sum(counts)
    print(
        json.dumps(
            {
                "threads": args.threads,
                "verifications": total,
                "seconds": round(elapsed, 3),
                "per_second": total / elapsed,
                "ms_per_verify_per_thread": 1000 * elapsed * args.threads / total
                if total
                else None,
            }
        )
    )


if __name__ == "__main__":
    main()
