"""Our lock store on a real Redis: loaded by Rasa from an endpoint config, and prompt for a waiter."""
import asyncio
from urllib.parse import urlparse

from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.ops.lock_store import PromptRedisLockStore


def store_for(embedded_redis, **extra) -> LockStore:
    address = urlparse(embedded_redis.url)
    config = EndpointConfig(url=address.hostname, type="bot.ops.lock_store.PromptRedisLockStore",
                            port=address.port, db=0, key_prefix="cs", **extra)
    return LockStore.create(config)


async def test_rasa_builds_it_from_the_endpoint_config_with_its_redis_keys(embedded_redis, redis_client):
    store = store_for(embedded_redis, retry_seconds=0.05)
    assert isinstance(store, PromptRedisLockStore) and store.retry_seconds == 0.05
    async with store.lock("conversation-1"):
        assert redis_client.exists("cs:lock:conversation-1")
    assert not redis_client.exists("cs:lock:conversation-1")


async def test_a_waiting_message_gets_the_lock_as_soon_as_it_is_released_in_order(embedded_redis):
    store = store_for(embedded_redis)
    order = []
    checks_while_held = 0
    original_get_lock = store.get_lock

    def counting_get_lock(conversation_id):
        nonlocal checks_while_held
        if order == ["first in"]:
            checks_while_held += 1
        return original_get_lock(conversation_id)

    store.get_lock = counting_get_lock

    async def first():
        async with store.lock("c"):
            order.append("first in")
            await asyncio.sleep(0.3)
            order.append("first out")

    async def second():
        await asyncio.sleep(0.05)
        async with store.lock("c"):
            order.append("second in")

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=10)
    assert order == ["first in", "first out", "second in"]
    # While the first holds it (0.3 s), Rasa's own store checks once and sleeps a second; ours every 20 ms.
    assert checks_while_held >= 5, checks_while_held
