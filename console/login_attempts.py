"""Failed-login limits per user name, in Redis: owns ``cs:console:login_failures:<name>``.

An attempt is counted before the password is checked, so parallel guesses cannot slip past the
limit while the (slow, scrypt) checks run; a successful login clears the count.
"""
from __future__ import annotations

import redis

MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW_SECONDS = 900


class LoginAttempts:
    """How many logins were tried for a user name in the last window."""

    def __init__(
        self, client: redis.Redis, limit: int = MAX_FAILED_LOGINS, window_seconds: int = FAILED_LOGIN_WINDOW_SECONDS
    ) -> None:
        self._redis = client
        self.limit = limit
        self.window_seconds = window_seconds

    @staticmethod
    def _key(username: str) -> str:
        return f"cs:console:login_failures:{username.strip().lower()[:64]}"

    def reserve(self, username: str) -> bool:
        """Count one attempt; False when the limit is already used up (then do not check the password)."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(self._key(username))
        pipe.expire(self._key(username), self.window_seconds)
        count, _ = pipe.execute()
        return int(count) <= self.limit

    def succeeded(self, username: str) -> None:
        """The password was right: forget the attempts."""
        self._redis.delete(self._key(username))
