"""Is a configured secret random enough to sign tokens with? A conservative estimate, not a proof.

Length alone let an attack pass start the service with 32 copies of one character. RFC 7518 §3.2 asks for an HMAC
key of at least the hash size (256 bits for HS256) of real entropy; a secret typed by a person or made of a repeated
pattern has far less than its length suggests. The estimate here is the length times the Shannon entropy of the
secret's own character frequencies: a repeated pattern and a low-variety string score low, and any secret drawn from a
CSPRNG (`secrets.token_urlsafe(32)`, `token_hex(16)` and up) scores well above the floor.
"""

from __future__ import annotations

import math
from collections import Counter

# `secrets.token_hex(16)` (128 random bits) estimates at about 115-120; a quarter of that margin below stays usable
MIN_ESTIMATED_BITS = 96


def estimated_bits(secret: str) -> float:
    """Length × Shannon entropy (bits per character) of the secret's own character distribution."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    length = len(secret)
    per_char = -sum(count / length * math.log2(count / length) for count in counts.values())
    return per_char * length


def shortest_period(secret: str) -> int:
    """The length of the shortest unit that, repeated, spells the secret (its own length if none)."""
    length = len(secret)
    for period in range(1, length // 2 + 1):
        if length % period == 0 and secret[:period] * (length // period) == secret:
            return period
    return length


def weak_secret_reason(secret: str) -> str | None:
    """Why the secret is too weak (safe to show: it never quotes the secret), or None."""
    if shortest_period(secret) < len(secret):
        return "is a repeated pattern"
    if estimated_bits(secret) < MIN_ESTIMATED_BITS:
        return f"has too little entropy (estimated below {MIN_ESTIMATED_BITS} bits)"
    return None
