"""What every console handler shares, kept on the application under one typed key."""
from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

import redis
import redis.asyncio
from aiohttp import web

from console.checks import LanguageRules
from console.agent_desk import AgentDesk
from console.tokens import TokenStore
from console.users import User, UserStore
from bot.handoff.presence import AgentPresence
from bot.settings import Settings

HEARTBEAT_SECONDS = 15.0


@dataclass
class Console:
    """The console's collaborators; the async client and rules are filled in at startup."""

    settings: Settings
    redis: redis.Redis
    users: UserStore
    tokens: TokenStore
    presence: AgentPresence
    desk: AgentDesk
    clock: Callable[[], float]
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    rules: Optional[LanguageRules] = None
    async_redis: Optional[redis.asyncio.Redis] = None
    faq_questions: Dict[str, str] = field(default_factory=dict)  # faq/<id> → its first Chinese question
    streams: "weakref.WeakSet[asyncio.Task]" = field(default_factory=weakref.WeakSet)


CONSOLE = web.AppKey("console", Console)
USER = "console.user"  # request key: the authenticated User
TOKEN = "console.token"  # request key: the bearer token of this request


def console_of(request: web.Request) -> Console:
    """The console the request belongs to."""
    return request.app[CONSOLE]


def user_of(request: web.Request) -> User:
    """The authenticated user (set by the auth middleware)."""
    return request[USER]
