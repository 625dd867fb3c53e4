"""The action server: ``python -m actions.server --port 5055`` (what the launcher starts).

rasa_sdk's own server builds every ``Action`` subclass with no arguments. Ours is its HTTP
API (``/health``, ``/webhook``, ``/actions``) around an executor holding actions built with
their collaborators by ``actions.registry`` from one ``Wiring``: the composition root of this
process, so the knowledge base is read once and Redis is one connection pool.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import zlib

import redis
from rasa_sdk import Action, utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import configure_cors, create_argument_parser
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.registry import build_actions
from bot.settings import Settings
from bot.wiring import Wiring

logger = logging.getLogger(__name__)


def executor_for(actions: list[Action]) -> ActionExecutor:
    """An executor that runs exactly ``actions``."""
    executor = ActionExecutor()
    for action in actions:
        executor.register_action(action)
    return executor


def create_app(
    actions: list[Action], cors_origins: str | None = "*", redis_client: redis.Redis | None = None
) -> Sanic:
    """rasa_sdk's action-server API for ``actions``, plus ``/healthz`` naming the parts that are down."""
    app = Sanic("actions", configure_logging=False)
    configure_cors(app, cors_origins)
    executor = executor_for(actions)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/healthz")
    async def healthz(_: Request) -> HTTPResponse:
        # Alive either way (FAQ answers need no Redis); "degraded" names what is missing.
        redis_up = redis_client is None or await asyncio.to_thread(_answers, redis_client)
        return response.json({"status": "ok" if redis_up else "degraded", "redis": redis_up})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        try:
            body = zlib.decompress(request.body) if request.headers.get("Content-Encoding") == "deflate" else request.body
            action_call = json.loads(body) if body else None
        except (ValueError, zlib.error, RecursionError):
            action_call = None
        if not isinstance(action_call, dict):
            return response.json({"error": "Invalid body request"}, status=400)
        utils.check_version_compatibility(action_call.get("version"))
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as error:
            logger.debug(error)
            return response.json({"error": error.message, "action_name": error.action_name}, status=400)
        except ActionNotFoundException as error:
            logger.error(error)
            return response.json({"error": error.message, "action_name": error.action_name}, status=404)
        return response.json(result)

    @app.get("/actions")
    async def list_actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        # The type only: an exception's text may quote what the user wrote.
        logger.error("action server: %s while handling %s", type(exception).__name__, request.path, exc_info=exception)
        return response.json({"error": type(exception).__name__}, status=500)

    return app


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def main() -> None:
    """Command line: rasa_sdk's options (``--port``, ``--logging-config_file``, …)."""
    args = create_argument_parser().parse_args()
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    wiring = Wiring(Settings.from_env())
    app = create_app(build_actions(wiring), cors_origins=args.cors, redis_client=wiring.redis)
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    logger.info("action server on %s:%s", host, args.port)
    app.run(host, args.port, workers=1)


if __name__ == "__main__":
    main()
