"""Who may call the API and how often: bearer API keys and a per-key rate limit (the ``limits`` library).

No keys configured means the API is open and callers are told apart by their address; once any key is
configured, every call needs ``Authorization: Bearer KEY`` and each key has its own limit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .api_errors import ApiError


@dataclass(frozen=True)
class Caller:
    """The caller of one request: ``id`` names it in logs and rate limits without revealing a key."""

    id: str
    limit: int
    remaining: int


def key_id(key: str) -> str:
    """A short, stable, non-secret name for an API key."""
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:10]


class Gatekeeper:
    """Checks the API key of a request and counts it against its per-minute limit (0: no limit)."""

    def __init__(self, api_keys: list[str] | tuple[str, ...] = (), per_minute: int = 60) -> None:
        if per_minute < 0:
            raise ValueError(f"rate limit must be >= 0 per minute, got {per_minute}")
        if any(not k or any(ch.isspace() for ch in k) for k in api_keys):
            raise ValueError("API keys must be non-empty and contain no whitespace")
        self.api_keys = tuple(api_keys)
        self.per_minute = per_minute
        self._item = RateLimitItemPerMinute(per_minute) if per_minute else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage()) if per_minute else None

    @property
    def keys_required(self) -> bool:
        return bool(self.api_keys)

    def identify(self, authorization: str | None, client: str) -> str:
        """The caller's id, or ApiError 401 when keys are required and this one is missing or wrong."""
        token = ""
        if authorization:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() == "bearer":
                token = value.strip()
        if not self.api_keys:
            return f"addr:{client}"
        if not token:
            raise ApiError(401, "missing_api_key", "an API key is required: send 'Authorization: Bearer KEY'",
                           {"WWW-Authenticate": "Bearer"})
        for key in self.api_keys:
            if hmac.compare_digest(token.encode(), key.encode()):
                return key_id(key)
        raise ApiError(401, "invalid_api_key", "the API key is not valid", {"WWW-Authenticate": "Bearer"})

    def admit(self, caller_id: str) -> Caller:
        """Count one request; ApiError 429 with Retry-After when the caller's minute is used up."""
        if self._limiter is None:
            return Caller(caller_id, 0, 0)
        allowed = self._limiter.hit(self._item, caller_id)
        reset, remaining = self._limiter.get_window_stats(self._item, caller_id)
        if not allowed:
            retry = max(1, math.ceil(reset - time.time()))
            raise ApiError(429, "rate_limited",
                           f"rate limit of {self.per_minute} requests per minute reached; retry in {retry} s",
                           {"Retry-After": str(retry), "X-RateLimit-Limit": str(self.per_minute),
                            "X-RateLimit-Remaining": "0"})
        return Caller(caller_id, self.per_minute, remaining)

    def check(self, authorization: str | None, client: str) -> Caller:
        """:meth:`identify` then :meth:`admit`."""
        return self.admit(self.identify(authorization, client))
