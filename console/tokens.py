"""Opaque bearer tokens in Redis with a time to live, shared by every console process.

Only a SHA-256 digest of each token is stored, so a copy of Redis does not hand out sessions.
"""
from __future__ import annotations

import hashlib
import re
import secrets

import redis

TOKEN_TTL_SECONDS = 8 * 3600  # one shift
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


def token_key(token: str) -> str:
    """The Redis key that holds the username for ``token``."""
    return f"cs:console:token:{_digest(token)}"


def _user_tokens(username: str) -> str:
    return f"cs:console:tokens:{username}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Issue, look up and revoke session tokens."""

    def __init__(self, client: redis.Redis, ttl_seconds: int = TOKEN_TTL_SECONDS) -> None:
        self._redis = client
        self.ttl_seconds = ttl_seconds

    def issue(self, username: str) -> str:
        """A new token for ``username``, valid for ``ttl_seconds``."""
        token = secrets.token_urlsafe(32)
        pipe = self._redis.pipeline()
        pipe.set(token_key(token), username, ex=self.ttl_seconds)
        pipe.sadd(_user_tokens(username), _digest(token))
        pipe.expire(_user_tokens(username), self.ttl_seconds)
        pipe.execute()
        return token

    def lookup(self, token: str | None) -> str | None:
        """The username ``token`` belongs to, or None if it is malformed, unknown or expired."""
        if not token or not _TOKEN.match(token):
            return None
        return self._redis.get(token_key(token))

    def revoke(self, token: str) -> None:
        """End one session (logout)."""
        username = self.lookup(token)
        pipe = self._redis.pipeline()
        pipe.delete(token_key(token))
        if username:
            pipe.srem(_user_tokens(username), _digest(token))
        pipe.execute()

    def revoke_all(self, username: str) -> int:
        """End every session of ``username`` (the user was removed); returns how many."""
        digests = self._redis.smembers(_user_tokens(username))
        pipe = self._redis.pipeline()
        for digest in digests:
            pipe.delete(f"cs:console:token:{digest}")
        pipe.delete(_user_tokens(username))
        results = pipe.execute()
        return sum(int(r) for r in results[:-1])
