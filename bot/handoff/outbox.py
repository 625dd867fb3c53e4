"""Messages for users that do not come from the bot (agent replies, hand-backs), on a Redis stream.

One stream per channel (``cs:outbox:<channel>``) read through a consumer group, so several
instances of a channel share the work and a message is acknowledged only once it was
delivered. A message whose deliverer died is claimed again after ``retry_after`` seconds; after
``max_attempts`` it goes to ``cs:outbox:dead`` for an operator instead of looping for ever.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any

import redis

from bot.redis_text import as_text

logger = logging.getLogger(__name__)

GROUP = "deliverers"
DEAD_LETTERS = "cs:outbox:dead"
KINDS = ("text", "handback", "return_visit")


def stream_key(channel: str) -> str:
    """The outbox stream of one channel."""
    return f"cs:outbox:{channel}"


@dataclass(frozen=True)
class OutboxMessage:
    """Something to deliver to one user on one channel.

    ``kind`` is ``text`` (show ``text`` to the user), ``handback`` (the conversation is the
    bot's again: the deliverer lets the bot close the loop on that channel) or ``return_visit``
    (the bot asks whether a resolved ticket's problem is fixed, bot/service/ticket_updates.py).
    """

    channel: str
    conversation_id: str
    kind: str = "text"
    text: str = ""
    agent: str = ""
    handoff_id: str = ""
    turns: list[dict[str, Any]] = field(default_factory=list)
    created_at: float = 0.0

    def encode(self) -> dict[str, str]:
        """The stream entry."""
        return {"message": json.dumps(asdict(self), ensure_ascii=False)}

    @classmethod
    def decode(cls, fields: dict[Any, Any]) -> OutboxMessage:
        """Parse a stream entry written by :meth:`encode`."""
        return cls(**json.loads(as_text(fields.get("message", fields.get(b"message")))))


Handler = Callable[[OutboxMessage], Awaitable[None]]


class Outbox:
    """Publish to and deliver from the per-channel outbox streams."""

    def __init__(self, client: redis.Redis, retry_after: float = 10.0, max_attempts: int = 5) -> None:
        self._redis = client
        self.retry_after = retry_after
        self.max_attempts = max_attempts

    def publish(self, message: OutboxMessage) -> str:
        """Queue ``message`` for its channel; returns the stream id."""
        if message.kind not in KINDS:
            raise ValueError(f"unknown outbox message kind {message.kind!r}")
        if not message.created_at:
            message = OutboxMessage(**{**asdict(message), "created_at": time.time()})
        entry_id = self._redis.xadd(stream_key(message.channel), message.encode(), maxlen=100_000, approximate=True)
        return as_text(entry_id)

    def ensure_group(self, channel: str) -> None:
        """Create the consumer group (and the stream) if they do not exist yet."""
        try:
            self._redis.xgroup_create(stream_key(channel), GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def read(self, channel: str, consumer: str, count: int = 20, block_ms: int = 1000) -> list[tuple[str, OutboxMessage]]:
        """Claim messages to deliver: first ones stuck with a dead consumer, then new ones."""
        self.ensure_group(channel)
        key = stream_key(channel)
        taken: list[tuple[str, OutboxMessage]] = []
        stale = self._redis.xautoclaim(key, GROUP, consumer, min_idle_time=int(self.retry_after * 1000), count=count)
        for entry_id, fields in stale[1] if len(stale) > 1 else []:
            if fields is None:  # trimmed from the stream while pending
                self._redis.xack(key, GROUP, entry_id)
                continue
            if self._attempts(key, entry_id) > self.max_attempts:
                self._bury(key, entry_id, fields)
                continue
            taken.append((as_text(entry_id), OutboxMessage.decode(fields)))
        if taken:
            return taken
        fresh = self._redis.xreadgroup(GROUP, consumer, {key: ">"}, count=count, block=block_ms)
        for _stream, entries in fresh or []:
            for entry_id, fields in entries:
                taken.append((as_text(entry_id), OutboxMessage.decode(fields)))
        return taken

    def ack(self, channel: str, entry_id: str) -> None:
        """The message was delivered: never deliver it again."""
        self._redis.xack(stream_key(channel), GROUP, entry_id)

    def pending(self, channel: str) -> int:
        """How many messages were read but not yet acknowledged."""
        self.ensure_group(channel)
        return int(self._redis.xpending(stream_key(channel), GROUP)["pending"])

    async def deliver_once(self, channel: str, consumer: str, handler: Handler, block_ms: int = 1000,
                           reader: Executor | None = None) -> int:
        """Read a batch and hand each message to ``handler``; ack those it delivered.

        The Redis calls run on ``reader`` (default: the loop's shared pool). A long-running
        deliverer should pass a thread of its own: its blocking read holds the thread for up to
        ``block_ms``, and in the shared pool several such reads starve every other blocking call
        of the process, this deliverer's next read included.
        A handler that raises leaves its message pending, so it is retried later.
        Returns the number delivered.
        """
        loop = asyncio.get_running_loop()
        delivered = 0
        batch = await loop.run_in_executor(reader, self.read, channel, consumer, 20, block_ms)
        for entry_id, message in batch:
            try:
                await handler(message)
            except Exception:  # one bad delivery must not stop the others; it is retried
                logger.exception("delivery of outbox message %s on %s failed; will retry", entry_id, channel)
                continue
            await loop.run_in_executor(reader, self.ack, channel, entry_id)
            delivered += 1
        return delivered

    def _attempts(self, key: str, entry_id: Any) -> int:
        info = self._redis.xpending_range(key, GROUP, min=entry_id, max=entry_id, count=1)
        return int(info[0]["times_delivered"]) if info else 0

    def _bury(self, key: str, entry_id: Any, fields: dict[Any, Any]) -> None:
        logger.error("outbox message %s on %s failed %d times; moved to %s", as_text(entry_id), key, self.max_attempts, DEAD_LETTERS)
        pipe = self._redis.pipeline()
        pipe.xadd(DEAD_LETTERS, {**{as_text(k): as_text(v) for k, v in fields.items()}, "stream": key})
        pipe.xack(key, GROUP, entry_id)
        pipe.execute()
