"""What every channel of one Rasa server process shares: the Redis client, the gate, the outbox.

Built on first use (never at import time) from the environment the launcher sets.
"""
from __future__ import annotations

import os
import socket
from functools import lru_cache

import redis

from bot.handoff.gate import HandoffGate
from bot.handoff.store import HandoffStore
from bot.handoff.intake import HandoffIntake
from bot.handoff.outbox import Outbox
from bot.ops.redis_client import connect
from bot.settings import Settings


@lru_cache(maxsize=None)
def redis_client() -> redis.Redis:
    """The shared Redis (REDIS_URL)."""
    return connect(Settings.from_env())


def gate() -> HandoffGate:
    """The handoff gate on the shared Redis."""
    return HandoffGate(redis_client())


def handoffs() -> HandoffStore:
    """The handoff store on the shared Redis."""
    return HandoffStore(redis_client())


@lru_cache(maxsize=None)
def handoff_intake() -> HandoffIntake:
    """Hands conversations to agents; used here only when the action server is down."""
    return HandoffIntake.on_redis(redis_client(), Settings.from_env())


def outbox() -> Outbox:
    """The outbox on the shared Redis."""
    return Outbox(redis_client())


def consumer_name(channel: str) -> str:
    """This process's name in a channel's outbox consumer group: unique per host and process."""
    return f"{channel}-{socket.gethostname()}-{os.getpid()}"
