"""The outbox on a real Redis: delivered once, retried after a crash, dead-lettered after repeated failure."""
import asyncio

import pytest

from bot.handoff.outbox import DEAD_LETTERS, Outbox, OutboxMessage


def message(text, conversation="c1"):
    return OutboxMessage(channel="socketio", conversation_id=conversation, text=text, agent="alice", handoff_id="h1")


async def test_each_message_is_delivered_once_in_order(redis_client):
    outbox = Outbox(redis_client)
    for n in range(5):
        outbox.publish(message(f"m{n}"))
    seen = []

    async def deliver(m):
        seen.append(m.text)

    assert await outbox.deliver_once("socketio", "a", deliver, block_ms=10) == 5
    assert await outbox.deliver_once("socketio", "b", deliver, block_ms=10) == 0
    assert seen == ["m0", "m1", "m2", "m3", "m4"]
    assert outbox.pending("socketio") == 0


async def test_a_message_whose_deliverer_died_is_delivered_by_another(redis_client):
    outbox = Outbox(redis_client, retry_after=0.05)
    outbox.publish(message("hello"))
    taken = outbox.read("socketio", "crashed-instance", block_ms=10)  # read, never acknowledged
    assert [m.text for _, m in taken] == ["hello"]
    await asyncio.sleep(0.1)
    seen = []

    async def deliver(m):
        seen.append(m.text)

    assert await outbox.deliver_once("socketio", "survivor", deliver, block_ms=10) == 1
    assert seen == ["hello"] and outbox.pending("socketio") == 0


async def test_a_failing_delivery_is_retried_then_dead_lettered(redis_client):
    outbox = Outbox(redis_client, retry_after=0.01, max_attempts=3)
    outbox.publish(message("cannot deliver"))
    outbox.publish(message("fine", conversation="c2"))
    delivered = []

    async def deliver(m):
        if m.conversation_id == "c1":
            raise ConnectionError("channel API down")
        delivered.append(m.text)

    for _ in range(6):
        await outbox.deliver_once("socketio", "x", deliver, block_ms=10)
        await asyncio.sleep(0.02)
    assert delivered == ["fine"]
    assert outbox.pending("socketio") == 0
    dead = redis_client.xrange(DEAD_LETTERS)
    assert len(dead) == 1 and "cannot deliver" in dead[0][1]["message"]


def test_unknown_kinds_are_refused(redis_client):
    with pytest.raises(ValueError):
        Outbox(redis_client).publish(OutboxMessage(channel="rest", conversation_id="c", kind="fax"))


async def test_a_deliverer_keeps_delivering_while_the_shared_thread_pool_is_busy(redis_client):
    """Its blocking reads run on a thread of its own, so a saturated default pool cannot delay it."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from channels.delivery import deliver_forever

    loop = asyncio.get_running_loop()
    shared = ThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(shared)
    release = threading.Event()
    busy = loop.run_in_executor(None, release.wait, 30)  # every shared thread taken
    outbox = Outbox(redis_client)
    delivered = asyncio.Event()

    async def deliver(m):
        delivered.set()

    stop = asyncio.Event()
    task = asyncio.ensure_future(deliver_forever(outbox, "socketio", deliver, stop))
    try:
        outbox.publish(message("an agent's reply"))
        await asyncio.wait_for(delivered.wait(), timeout=10)
        assert not busy.done(), "delivered only once the shared pool was free again"
    finally:
        stop.set()
        release.set()
        await busy
        await asyncio.wait_for(task, timeout=5)
        shared.shutdown(wait=False)
