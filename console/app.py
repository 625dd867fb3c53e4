"""The console's web application: wiring of stores, middlewares and routes."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import redis.asyncio
from aiohttp import web

from bot.datafiles.config_files import SERVICE_DIR, ConfigFileError
from bot.handoff.presence import AgentPresence
from bot.knowledge.annotate import DataEditor
from bot.knowledge.answer_suggestions import Suggester
from bot.knowledge.base import KnowledgeBaseError, first_questions
from bot.knowledge.inbox_groups import InboxGrouper
from bot.knowledge.publish import Publisher
from bot.nlu.embeddings import shared_encoder
from bot.settings import Settings
from bot.wiring import Wiring
from console import (
    agent_routes,
    analytics_routes,
    auth,
    handoff_routes,
    inbox_routes,
    pages,
    publish_routes,
    stream,
    ticket_routes,
    tool_routes,
)
from console.agent_desk import AgentDesk, RepeatComplaintRule
from console.checks import LanguageRules
from console.context import CONSOLE, HEARTBEAT_SECONDS, Console
from console.errors import error_middleware
from console.passwords import DEFAULT_COST
from console.ticket_desk import TicketDesk
from console.tokens import TokenStore
from console.users import UserStore

logger = logging.getLogger(__name__)

WIRING = web.AppKey("wiring", Wiring)


async def healthz(request: web.Request) -> web.Response:
    """200 when the console can reach Redis, 503 otherwise (for load balancers and `make run`)."""
    redis_client = request.app[CONSOLE].redis
    try:
        await asyncio.to_thread(redis_client.ping)
    except (redis.RedisError, OSError):  # any Redis failure means "not healthy", never a 500
        return web.json_response({"status": "unavailable", "redis": False}, status=503)
    return web.json_response({"status": "ok", "redis": True})


def _load_helpers(console: Console, wiring: Wiring) -> None:
    """Knowledge base, language rules, labels and the repeat-complaint rule; the console runs without them."""
    try:
        knowledge = wiring.knowledge
        console.desk.suggester = Suggester(knowledge)
        console.faq_questions = first_questions(knowledge)
    except (OSError, KnowledgeBaseError) as error:
        logger.warning("knowledge base not loaded, no suggestions: %s", error)
    try:
        console.rules = LanguageRules.load(SERVICE_DIR / "language_rules.yml")
    except (ConfigFileError, KeyError, TypeError, ValueError) as error:
        logger.warning("language rules not loaded: %s", error)
    try:
        console.labels = wiring.labels
    except ConfigFileError as error:
        logger.warning("labels not loaded, the page shows identifiers: %s", error)
    try:
        rules = wiring.escalation_rules
        console.desk.repeat_rule = RepeatComplaintRule(
            rules.repeat_complaint_count, rules.repeat_complaint_days
        )
    except (ConfigFileError, KeyError, TypeError, ValueError) as error:
        logger.warning("escalation rules not loaded, default repeat-complaint warning: %s", error)
    try:
        console.desk.routing_rules = wiring.routing_rules
    except ConfigFileError as error:
        logger.warning("routing rules not loaded, the default routing applies: %s", error)


async def _start(app: web.Application) -> None:
    console = app[CONSOLE]
    password = await asyncio.to_thread(console.settings.resolved_console_admin_password)
    outcome = await asyncio.to_thread(console.users.bootstrap_admin, password)
    if outcome != "unchanged":
        logger.info("console user admin %s from CONSOLE_ADMIN_PASSWORD", outcome)
    await asyncio.to_thread(_load_helpers, console, app[WIRING])
    url = console.settings.redis_url or ""
    console.async_redis = redis.asyncio.Redis.from_url(url, decode_responses=True)


async def _stop(app: web.Application) -> None:
    console = app[CONSOLE]
    if console.async_redis is not None:
        await console.async_redis.close(close_connection_pool=True)
    await asyncio.to_thread(console.redis.close)


def create_app(
    settings: Settings,
    clock: Callable[[], float] = time.time,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    password_cost: int = DEFAULT_COST,
    wiring: Wiring | None = None,
    publisher: Publisher | None = None,
) -> web.Application:
    """Build the console application for ``settings`` (no I/O until it starts).

    ``password_cost`` is the scrypt cost for passwords set by this process (tests lower it);
    ``wiring`` is the process's composition root (built from ``settings`` when not given);
    ``publisher`` trains and scores models (tests give one with stand-in training and scores).
    """
    wiring = wiring or Wiring(settings)
    client = wiring.redis
    users = UserStore(client, cost=password_cost)
    console = Console(
        settings=settings,
        redis=client,
        users=users,
        tokens=TokenStore(client),
        presence=AgentPresence(client, clock=clock),
        desk=AgentDesk(client, users, clock),
        clock=clock,
        heartbeat_seconds=heartbeat_seconds,
    )
    app = web.Application(middlewares=[error_middleware, auth.auth_middleware])
    app[CONSOLE] = console
    app[WIRING] = wiring
    app[ticket_routes.DESK] = TicketDesk(wiring, users, clock)
    app[inbox_routes.DESK] = inbox_routes.InboxDesk(
        wiring.inbox, InboxGrouper(shared_encoder().encode), DataEditor(settings.project_root), wiring.handoffs
    )
    app[publish_routes.PUBLISHER] = publisher or Publisher(client, settings, wiring.models)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/login", auth.login)
    app.router.add_post("/api/logout", auth.logout)
    app.router.add_get("/api/me", auth.me)
    app.router.add_get("/api/supervisors", auth.supervisors)
    handoff_routes.add_routes(app.router)
    agent_routes.add_routes(app.router)
    tool_routes.add_routes(app.router)
    analytics_routes.add_routes(app.router)
    ticket_routes.add_routes(app.router)
    inbox_routes.add_routes(app.router)
    publish_routes.add_routes(app.router)
    stream.add_routes(app.router)
    pages.add_routes(app.router)
    # aiohttp 3.9 types its signals with aiosignal's older generic, which mypy reads as a
    # callable of callables: these appends are right at run time.
    app.on_startup.append(_start)  # type: ignore[arg-type]
    app.on_shutdown.append(stream.stop_streams)  # type: ignore[arg-type]
    app.on_cleanup.append(_stop)  # type: ignore[arg-type]
    app.on_response_prepare.append(pages.security_headers)  # type: ignore[arg-type]
    return app
