"""The console's web application."""
from __future__ import annotations

from aiohttp import web

from bot.redis_client import connect
from bot.settings import Settings


async def healthz(request: web.Request) -> web.Response:
    """200 when the console can reach Redis, 503 otherwise (for load balancers and `make run`)."""
    redis_client = request.app["redis"]
    try:
        redis_client.ping()
    except Exception:  # any Redis failure means "not healthy", never a 500
        return web.json_response({"status": "unavailable", "redis": False}, status=503)
    return web.json_response({"status": "ok", "redis": True})


def create_app(settings: Settings) -> web.Application:
    """Build the console application for ``settings``."""
    app = web.Application()
    app["settings"] = settings
    app["redis"] = connect(settings)
    app.router.add_get("/healthz", healthz)
    return app
