"""Rate limits: moving windows per client IP and per address, in memory or Redis (`limiter.py`), and the route
helper `rate_limit(gate, rule)` (`dependencies.py`). The sign-in lockout built on them lives with accounts."""
