"""Connections to the one shared Redis, by URL, for every process of ours."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from bot.ops.redis_server import EmbeddedRedis
from bot.settings import RedisAddress, Settings, SettingsError


def start_redis(settings: Settings) -> tuple[str, EmbeddedRedis | None]:
    """Return the Redis URL to use, starting the embedded server when REDIS_URL is unset.

    The second value is the embedded server to stop at shutdown, or None for an external one.
    """
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3)
        try:
            client.ping()
        except redis.RedisError as error:
            raise SettingsError(f"REDIS_URL is set but that Redis does not answer: {error}") from None
        finally:
            client.close()
        return settings.redis_url, None
    embedded = EmbeddedRedis(data_dir=settings.redis_dir, port=settings.redis_embedded_port, host="127.0.0.1")
    return embedded.start(), embedded


def connect(settings: Settings) -> redis.Redis:
    """A client for the shared Redis; the launcher always sets REDIS_URL for its children."""
    if not settings.redis_url:
        raise SettingsError("REDIS_URL is not set: start the stack with `make run` or set REDIS_URL")
    return redis.Redis.from_url(settings.redis_url, decode_responses=True, health_check_interval=30)


def rasa_store_env(redis_url: str) -> dict[str, str]:
    """Environment for ``${REDIS_*}`` in endpoints.yml: Rasa's Redis stores take host and port apart."""
    address = RedisAddress.from_url(redis_url)
    return {
        "REDIS_URL": redis_url,
        "REDIS_HOST": address.host,
        "REDIS_PORT": str(address.port),
        "REDIS_DB": str(address.db),
        "REDIS_PASSWORD": address.password.reveal(),
    }


@contextmanager
def command_line_redis(settings: Settings, decode_responses: bool = True) -> Iterator[redis.Redis]:
    """A client for a command-line tool: the Redis of REDIS_URL, else the embedded one on
    ``redis://127.0.0.1:<REDIS_EMBEDDED_PORT>/0`` — the running one if `make run` is up,
    otherwise started on ``var/redis/`` for the command and stopped after it."""
    url, embedded = start_redis(settings)
    client = redis.Redis.from_url(url, decode_responses=decode_responses)
    try:
        yield client
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()
