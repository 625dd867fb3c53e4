"""Rasa's Redis lock store, re-checking a busy conversation every few milliseconds instead of every second.

Rasa serialises the messages of one conversation with a ticket lock and, while another message
holds it, sleeps a whole second between checks. A message that arrives while the previous one
is still being processed (a double click, a channel's retry, an agent resolving right after
replying) therefore waited up to a second for a lock released a few milliseconds later. This
store keeps Rasa's lock and its Redis keys unchanged and only checks more often.

Configured in ``endpoints.yml`` as ``lock_store: type: bot.ops.lock_store.PromptRedisLockStore``,
with Rasa's Redis options and ``retry_seconds`` (default 0.02).
"""
from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

DEFAULT_RETRY_SECONDS = 0.02


class PromptRedisLockStore(RedisLockStore):
    """A ``RedisLockStore`` whose waiters check again after ``retry_seconds``."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options = dict(endpoint_config.kwargs)
        self.retry_seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
        super().__init__(host=endpoint_config.url or "localhost", **options)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock, waited for in steps of ``retry_seconds`` unless the caller names a step."""
        step = self.retry_seconds if wait_time_in_seconds is None else wait_time_in_seconds
        async with super().lock(conversation_id, lock_lifetime, step) as ticket_lock:
            yield ticket_lock
