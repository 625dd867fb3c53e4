"""Which agents are online: the console touches an agent on every request and live-stream tick."""
from __future__ import annotations

import time
from collections.abc import Callable

import redis

from bot.redis_text import as_text

ONLINE = "cs:agents:online"
# An agent not seen for this long is taken to be away (the console's live stream ticks every 15 s).
ONLINE_WINDOW_SECONDS = 90.0


class AgentPresence:
    """Heartbeats of agents in a sorted set scored by the last time each was seen."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock

    def touch(self, username: str) -> None:
        """``username`` is at the console now."""
        self._redis.zadd(ONLINE, {username: self._clock()})

    def leave(self, username: str) -> None:
        """``username`` logged out."""
        self._redis.zrem(ONLINE, username)

    def online(self, window: float = ONLINE_WINDOW_SECONDS) -> list[str]:
        """Agents seen within ``window`` seconds."""
        since = self._clock() - window
        return [as_text(m) for m in self._redis.zrangebyscore(ONLINE, since, "+inf")]
