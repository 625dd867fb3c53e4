"""What every console handler shares, kept on the application under one typed key."""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
import redis.asyncio
from aiohttp import web

from bot.handoff.presence import AgentPresence
from bot.service.labels import Labels
from bot.settings import Settings
from console.agent_desk import AgentDesk
from console.checks import LanguageRules
from console.tokens import TokenStore
from console.users import User, UserStore

HEARTBEAT_SECONDS = 15.0


@dataclass
class Console:
    """The console's collaborators; the async client, rules and labels are filled in at startup."""

    settings: Settings
    redis: redis.Redis
    users: UserStore
    tokens: TokenStore
    presence: AgentPresence
    desk: AgentDesk
    clock: Callable[[], float]
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    rules: LanguageRules | None = None
    labels: Labels | None = None  # data/service/labels.yml
    async_redis: redis.asyncio.Redis | None = None
    faq_questions: dict[str, str] = field(default_factory=dict)  # faq/<id> → its first Chinese question
    streams: weakref.WeakSet[asyncio.Task] = field(default_factory=weakref.WeakSet)


CONSOLE = web.AppKey("console", Console)
USER = "console.user"  # request key: the authenticated User
TOKEN = "console.token"  # request key: the bearer token of this request


def console_of(request: web.Request) -> Console:
    """The console the request belongs to."""
    return request.app[CONSOLE]


def user_of(request: web.Request) -> User:
    """The authenticated user (set by the auth middleware)."""
    return request[USER]
