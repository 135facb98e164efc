"""Rate limits and brute-force defence.

Kept import-free on purpose: `authgate.transport` imports `ratelimit.client_ip`, and the gate imports
`ratelimit.limiter`; the route helper lives in `authgate.ratelimit.dependencies` (`rate_limit(gate, rule)`).
"""
