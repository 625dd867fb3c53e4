"""A console app on the test's own real Redis, users with cheap password hashes, handoff builders."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest
import redis
from aiohttp.test_utils import TestClient, TestServer

from bot.handoff.store import HandoffRecord, HandoffStore, Turn
from bot.settings import Secret, Settings
from console.app import create_app
from console.users import UserStore

ADMIN_PASSWORD = "admin-password-1"
PASSWORD = "password-123"
CHEAP = 2 ** 8  # scrypt cost for test users: the hashing is tested on its own


@pytest.fixture
def console_settings(settings: Settings, embedded_redis) -> Settings:
    """Settings pointing at the embedded Redis, with a known admin password."""
    return replace(settings, redis_url=embedded_redis.url, console_admin_password=Secret(ADMIN_PASSWORD))


@pytest.fixture
def user_store(redis_client: redis.Redis) -> UserStore:
    """Users alice and bob (agents) and boss (supervisor), all with PASSWORD."""
    store = UserStore(redis_client, cost=CHEAP)
    store.add("alice", PASSWORD, "agent", "客服小王")
    store.add("bob", PASSWORD, "agent")
    store.add("boss", PASSWORD, "supervisor", "主管")
    return store


@pytest.fixture
def start_console(console_settings: Settings, user_store: UserStore) -> Callable:
    """``async with start_console(**create_app_kwargs) as client`` — a fresh app each time, same Redis."""

    @asynccontextmanager
    async def start(settings: Settings = console_settings, **kwargs) -> AsyncIterator[TestClient]:
        kwargs.setdefault("password_cost", CHEAP)
        async with TestClient(TestServer(create_app(settings, **kwargs))) as client:
            yield client

    return start


@pytest.fixture
async def client(start_console) -> AsyncIterator[TestClient]:
    """A running console."""
    async with start_console() as running:
        yield running


async def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in and return the token."""
    response = await client.post("/api/login", json={"username": username, "password": password})
    assert response.status == 200, await response.text()
    return (await response.json())["token"]


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def handoffs(redis_client: redis.Redis) -> HandoffStore:
    """The handoff store the bot side uses, on the same Redis."""
    return HandoffStore(redis_client)


def open_handoff(store: HandoffStore, conversation_id: str, channel: str = "telegram", **extra) -> HandoffRecord:
    """Queue a handoff like the action server does, with a short transcript."""
    transcript = extra.pop("transcript", [
        Turn("user", "我的快递三天没到,电话13812345678", time.time() - 60),
        Turn("bot", "抱歉给您带来不便", time.time() - 59),
    ])
    fields = dict(
        handoff_id="", conversation_id=conversation_id, channel=channel, category="complaint", priority="normal",
        reason="anger", summary="快递没到,电话13812345678", created_at=time.time() - 30,
    )
    fields.update(extra)
    return store.open(HandoffRecord(**fields), transcript)
