"""``GET /healthz`` of a Rasa server: which of the parts it needs are down.

The process is alive whenever this answers; "degraded" names what is missing: Redis (messages
are refused with 503 meanwhile), the action server (users get an apology and a person), or the
model (still loading: nothing can be answered yet, so 503 for a load balancer's readiness check).
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import redis
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.resilience import actions_available


def _redis_answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def health_route(client: redis.Redis) -> Callable[[Request], Awaitable[HTTPResponse]]:
    """The handler, checking ``client`` and the server's agent (``app.ctx.agent``)."""

    async def healthz(request: Request) -> HTTPResponse:
        agent: Any = getattr(request.app.ctx, "agent", None)
        ready = getattr(agent, "is_ready", None)
        model = agent is not None and (ready() if callable(ready) else True)
        parts = {
            "model": bool(model),
            "redis": await asyncio.to_thread(_redis_answers, client),
            "action_server": agent is None or await actions_available(agent, fresh=True),
        }
        status = "ok" if all(parts.values()) else "degraded"
        return response.json({"status": status, **parts}, status=200 if parts["model"] else 503)

    return healthz
