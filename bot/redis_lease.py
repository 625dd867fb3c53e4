"""A lease in Redis: one holder at a time, for a while unless renewed (the scheduler, a publish).

Taken with ``SET NX PX``; renewed and given up only by its holder (a compare-and-act script), so
a holder whose lease ran out cannot extend or delete the next holder's.
"""
from __future__ import annotations

import redis

_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class Lease:
    """A lease in Redis that one holder at a time has, for ``ttl`` seconds unless renewed."""

    def __init__(self, client: redis.Redis, holder: str, ttl: float, key: str) -> None:
        self._redis = client
        self.holder = holder
        self._ttl_ms = int(ttl * 1000)
        self._key = key

    def hold(self) -> bool:
        """Renew the lease if it is ours, else take it if it is free; True while we hold it."""
        if self._redis.eval(_RENEW, 1, self._key, self.holder, self._ttl_ms):
            return True
        return bool(self._redis.set(self._key, self.holder, nx=True, px=self._ttl_ms))

    def release(self) -> None:
        """Give the lease up (only if it is still ours), so another holder can take it at once."""
        self._redis.eval(_RELEASE, 1, self._key, self.holder)
