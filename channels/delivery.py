"""Run an outbox deliverer for one channel inside the Rasa server, for as long as the server runs."""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from sanic import Blueprint, Sanic

from bot.handoff.outbox import Handler, Outbox, OutboxMessage
from channels.choices import OfferedChoices
from channels.handback import hand_back, return_visit

logger = logging.getLogger(__name__)


def consumer_name(channel: str) -> str:
    """This process's name in a channel's outbox consumer group: unique per host and process."""
    return f"{channel}-{socket.gethostname()}-{os.getpid()}"


async def deliver_forever(outbox: Outbox, channel: str, handler: Handler, stop: asyncio.Event) -> None:
    """Deliver the channel's outbox until ``stop`` is set; Redis outages are waited out, not fatal."""
    consumer = consumer_name(channel)
    # Its own thread: the read blocks for a second at a time (see Outbox.deliver_once).
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"outbox-{channel}")
    try:
        while not stop.is_set():
            try:
                await outbox.deliver_once(channel, consumer, handler, block_ms=1000, reader=reader)
            except (redis.RedisError, OSError) as error:
                logger.warning("outbox %s: Redis unavailable (%s); retrying in 1 s", channel, type(error).__name__)
                await asyncio.sleep(1.0)
    finally:
        reader.shutdown(wait=False)


def agent_reply_handler(
    app: Sanic,
    channel: str,
    output: Any,
    send_text: Callable[[OutboxMessage], Awaitable[None]],
    choices: OfferedChoices | None = None,
) -> Handler:
    """The usual deliverer: an agent's text through ``send_text``, a hand-back or a return visit through
    the bot on ``output``."""

    async def deliver(message: OutboxMessage) -> None:
        if message.kind == "text":
            await send_text(message)
        elif message.kind == "return_visit":
            await return_visit(app.ctx.agent, message, output, channel, choices)
        else:
            await hand_back(app.ctx.agent, message, output, channel, choices)

    return deliver


def attach_deliverer(
    blueprint: Blueprint, channel: str, make_handler: Callable[[Sanic], Handler], outbox: Outbox
) -> None:
    """Start a deliverer of ``outbox`` when the server starts and stop it when the server stops.

    ``make_handler(app)`` builds the handler once Rasa's agent is loaded (``app.ctx.agent``).
    """
    state: dict = {}

    @blueprint.listener("after_server_start")
    async def start(app: Sanic, _loop: asyncio.AbstractEventLoop | None = None) -> None:
        stop = asyncio.Event()
        state["stop"] = stop
        state["task"] = asyncio.ensure_future(deliver_forever(outbox, channel, make_handler(app), stop))

    @blueprint.listener("before_server_stop")
    async def finish(_app: Sanic, _loop: asyncio.AbstractEventLoop | None = None) -> None:
        if "stop" in state:
            state["stop"].set()
            try:
                await asyncio.wait_for(state["task"], timeout=3)
            except asyncio.TimeoutError:
                state["task"].cancel()
