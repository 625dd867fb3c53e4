"""Which agents are online: the console touches an agent on every request and live-stream tick.

Each touch from a request also notes the languages the agent's user record names, so routing
(bot/handoff/routing.py) knows who speaks what without reading the console's user records.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis

from bot.redis_text import as_text

ONLINE = "cs:agents:online"
LANGUAGES = "cs:agents:languages"  # hash: username → "en,zh" ("" when their record names none)
# An agent not seen for this long is taken to be away (the console's live stream ticks every 15 s).
ONLINE_WINDOW_SECONDS = 90.0


@dataclass(frozen=True)
class OnlineAgent:
    """An agent at the console and the languages they speak (empty: the routing rules' default)."""

    username: str
    languages: tuple[str, ...] = ()


class AgentPresence:
    """Heartbeats of agents in a sorted set scored by the last time each was seen."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock

    def touch(self, username: str, languages: Sequence[str] | None = None) -> None:
        """``username`` is at the console now; ``languages`` (when given) are what they speak."""
        pipe = self._redis.pipeline()
        pipe.zadd(ONLINE, {username: self._clock()})
        if languages is not None:
            pipe.hset(LANGUAGES, username, ",".join(languages))
        pipe.execute()

    def leave(self, username: str) -> None:
        """``username`` logged out."""
        pipe = self._redis.pipeline()
        pipe.zrem(ONLINE, username)
        pipe.hdel(LANGUAGES, username)
        pipe.execute()

    def online(self, window: float = ONLINE_WINDOW_SECONDS) -> list[str]:
        """Agents seen within ``window`` seconds."""
        since = self._clock() - window
        return [as_text(m) for m in self._redis.zrangebyscore(ONLINE, since, "+inf")]

    def online_agents(self, window: float = ONLINE_WINDOW_SECONDS) -> list[OnlineAgent]:
        """Agents seen within ``window`` seconds, with their languages."""
        names = self.online(window)
        spoken = self._redis.hmget(LANGUAGES, names) if names else []
        return [
            OnlineAgent(name, tuple(part for part in as_text(raw or "").split(",") if part))
            for name, raw in zip(names, spoken, strict=True)
        ]
