"""Run an outbox deliverer for one channel inside the Rasa server, for as long as the server runs."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

import redis
from sanic import Blueprint, Sanic

from bot.outbox import Handler, Outbox
from channels.runtime import consumer_name

logger = logging.getLogger(__name__)


async def deliver_forever(outbox: Outbox, channel: str, handler: Handler, stop: asyncio.Event) -> None:
    """Deliver the channel's outbox until ``stop`` is set; Redis outages are waited out, not fatal."""
    consumer = consumer_name(channel)
    while not stop.is_set():
        try:
            await outbox.deliver_once(channel, consumer, handler, block_ms=1000)
        except (redis.RedisError, OSError) as error:
            logger.warning("outbox %s: Redis unavailable (%s); retrying in 1 s", channel, type(error).__name__)
            await asyncio.sleep(1.0)


def attach_deliverer(blueprint: Blueprint, channel: str, make_handler, make_outbox) -> None:
    """Start a deliverer when the server starts and stop it when the server stops.

    ``make_handler(app)`` builds the handler once Rasa's agent is loaded (``app.ctx.agent``).
    """
    state: dict = {}

    @blueprint.listener("after_server_start")
    async def start(app: Sanic, _loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        stop = asyncio.Event()
        state["stop"] = stop
        state["task"] = asyncio.ensure_future(deliver_forever(make_outbox(), channel, make_handler(app), stop))

    @blueprint.listener("before_server_stop")
    async def finish(_app: Sanic, _loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        if "stop" in state:
            state["stop"].set()
            try:
                await asyncio.wait_for(state["task"], timeout=3)
            except asyncio.TimeoutError:
                state["task"].cancel()
