"""GET /api/stream: the ``cs:events`` stream as Server-Sent Events, with a heartbeat.

Each event is ``id: <stream id>``, ``event: <type>``, ``data: <JSON of the entry>``. A browser
that reconnects sends ``Last-Event-ID`` and misses nothing. Every heartbeat re-checks the token
(an expired session gets ``event: unauthorized`` and the stream ends) and marks the agent online.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import redis
from aiohttp import web

from bot.handoff.store import EVENTS_STREAM
from console.context import CONSOLE, TOKEN, Console, console_of, user_of

logger = logging.getLogger(__name__)
_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
_RETRY_MS = 3000


def format_event(entry_id: str, fields: dict[str, Any]) -> bytes:
    """One SSE message for a stream entry."""
    kind = re.sub(r"[^A-Za-z0-9_.-]", "", str(fields.get("type", "message"))) or "message"
    data = json.dumps({**fields, "id": entry_id}, ensure_ascii=False)
    return f"id: {entry_id}\nevent: {kind}\ndata: {data}\n\n".encode()


async def _start_id(console: Console, request: web.Request) -> str:
    """Where to read from: after Last-Event-ID if the browser sent one, else after the newest entry."""
    last = request.headers.get("Last-Event-ID", "")
    if _ENTRY_ID.match(last):
        return last
    assert console.async_redis is not None, "set when the console starts"
    newest = await console.async_redis.xrevrange(EVENTS_STREAM, count=1)
    return newest[0][0] if newest else "0-0"


async def _still_logged_in(console: Console, token: str, username: str) -> bool:
    def check() -> bool:
        if console.tokens.lookup(token) != username:
            return False
        console.presence.touch(username)
        return True

    return await asyncio.to_thread(check)


async def stream(request: web.Request) -> web.StreamResponse:
    """Live changes to handoffs until the client leaves, the session ends or the console stops."""
    console, user, token = console_of(request), user_of(request), request[TOKEN]
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
    })
    await response.prepare(request)
    task = asyncio.current_task()
    if task is not None:
        console.streams.add(task)
    try:
        last_id = await _start_id(console, request)
        await response.write(f"retry: {_RETRY_MS}\n: connected\n\n".encode())
        next_tick = time.monotonic() + console.heartbeat_seconds
        while True:
            wait_ms = max(1, int((next_tick - time.monotonic()) * 1000))
            assert console.async_redis is not None, "set when the console starts"
            batches = await console.async_redis.xread({EVENTS_STREAM: last_id}, count=100, block=wait_ms)
            for _name, entries in batches or []:
                for entry_id, fields in entries:
                    await response.write(format_event(entry_id, fields))
                    last_id = entry_id
            if time.monotonic() >= next_tick:
                if not await _still_logged_in(console, token, user.username):
                    await response.write(b"event: unauthorized\ndata: {}\n\n")
                    break
                await response.write(b": heartbeat\n\n")
                next_tick = time.monotonic() + console.heartbeat_seconds
    except ConnectionError:
        pass  # the browser went away
    except redis.RedisError as error:
        # The browser reconnects after ``retry`` and resumes from its Last-Event-ID.
        logger.warning("live stream for %s stopped: Redis failed: %s", user.username, error)
    finally:
        if task is not None:
            console.streams.discard(task)
    return response


async def stop_streams(app: web.Application) -> None:
    """On shutdown: end open streams instead of waiting for their clients to leave."""
    for task in list(app[CONSOLE].streams):
        task.cancel()


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the stream route."""
    router.add_get("/api/stream", stream, allow_head=False)
