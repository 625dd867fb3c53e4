"""Work done after the webhook has answered: in the background, in arrival order per conversation.

Telegram waits for the webhook's answer before it counts an update as delivered, and Rasa
can take seconds; so the webhook answers at once and the turn runs here. Two messages of
one chat are still handled one after the other, as they were sent.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class OrderedTasks:
    """Background jobs, one at a time per key, each key's jobs in submission order."""

    def __init__(self, describe: Callable[[BaseException], str] = lambda error: type(error).__name__) -> None:
        self._describe = describe
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """How many jobs have not finished yet."""
        return len(self._running)

    def submit(self, key: str, job: Job, label: str = "") -> asyncio.Task[None]:
        """Run ``job`` once the jobs submitted before under ``key`` are done."""
        previous = self._tails.get(key)
        task = asyncio.ensure_future(self._run(previous, job, label))
        self._tails[key] = task
        self._running.add(task)
        task.add_done_callback(partial(self._finished, key))
        return task

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every job is done (True), or ``timeout`` seconds (False)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._running:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            await asyncio.wait(set(self._running), timeout=left)
        return True

    async def _run(self, previous: asyncio.Task[None] | None, job: Job, label: str) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])  # its failure is its own; this job runs anyway
        try:
            await job()
        except Exception as error:  # noqa: BLE001 - one failed turn must not stop the next ones
            logger.error("telegram: %s failed (%s)", label or "a background job", self._describe(error))

    def _finished(self, key: str, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]
