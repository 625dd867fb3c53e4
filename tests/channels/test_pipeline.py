"""The channels' pipeline on a real Redis: the gate, then Rasa, and one outcome when Redis is down."""
from __future__ import annotations

import logging
import time

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import RedisLockStore
from sanic import Blueprint

from bot.handoff.store import HandoffRecord, HandoffStore
from bot.settings import RedisAddress
from channels.pipeline import Pipeline, Unavailable, in_thread
from tests.channels.conftest import outage_warnings


class Rasa:
    """Stands in for Rasa's ``on_new_message``: records each message."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


@pytest.fixture
def rasa() -> Rasa:
    return Rasa()


@pytest.fixture
def pipeline(services, rasa) -> Pipeline:
    return services.pipeline.serving(Blueprint(f"test_{time.monotonic_ns()}"), rasa)


async def test_a_message_for_the_bot_reaches_rasa_with_everything_the_channel_said(pipeline, rasa):
    output = CollectingOutputChannel()
    decision = await pipeline.handle("你好", "u1", "rest", output, message_id="m1", metadata={"page": "help"})
    assert decision.to_bot
    [message] = rasa.messages
    assert (message.text, message.sender_id, message.input_channel, message.message_id, message.metadata) == (
        "你好", "u1", "rest", "m1", {"page": "help"})
    assert message.output_channel is output


async def test_a_repeated_message_id_is_dropped_per_channel(pipeline, rasa):
    await pipeline.handle("你好", "u2", "rest", CollectingOutputChannel(), message_id="m2")
    again = await pipeline.handle("你好", "u2", "rest", CollectingOutputChannel(), message_id="m2")
    other_channel = await pipeline.handle("你好", "u2", "socketio", CollectingOutputChannel(), message_id="m2")
    assert again.duplicate and other_channel.to_bot
    assert len(rasa.messages) == 2


async def test_with_a_person_on_the_conversation_the_words_go_to_the_transcript(pipeline, rasa, redis_client):
    store = HandoffStore(redis_client)
    handoff = store.open(HandoffRecord(handoff_id="", conversation_id="u3", channel="rest", category="inquiry",
                                       priority="normal", reason="explicit_request", summary="", created_at=time.time()), [])
    decision = await pipeline.handle("还在吗", "u3", "rest", CollectingOutputChannel())
    assert decision.to_agent and decision.handoff_id == handoff.handoff_id
    assert rasa.messages == []
    assert store.transcript(handoff.handoff_id)[-1].text == "还在吗"


async def test_redis_down_is_one_outcome_and_one_warning_line(pipeline, rasa, embedded_redis, caplog):
    embedded_redis.stop()
    with caplog.at_level(logging.DEBUG), pytest.raises(Unavailable):
        await pipeline.handle("你好", "u4", "telegram", CollectingOutputChannel(), message_id="m4")
    assert rasa.messages == []
    [warning] = outage_warnings(caplog.records)
    assert warning.getMessage().startswith("telegram: a message was not handled, Redis unavailable (ConnectionError)")


async def test_channel_work_on_redis_fails_the_same_way(embedded_redis, redis_client, caplog):
    embedded_redis.stop()
    with caplog.at_level(logging.WARNING), pytest.raises(Unavailable):
        await in_thread("wechat", redis_client.get, "cs:anything")
    assert len(outage_warnings(caplog.records)) == 1


async def test_an_outage_is_logged_once_and_its_end_once(embedded_redis, redis_client, caplog):
    embedded_redis.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            with pytest.raises(Unavailable):
                await in_thread("rest", redis_client.get, "cs:anything")
        embedded_redis.start()
        await in_thread("rest", redis_client.get, "cs:anything")
        await in_thread("rest", redis_client.get, "cs:anything")
    assert [w.getMessage() for w in outage_warnings(caplog.records)] == [
        "rest: a message was not handled, Redis unavailable (ConnectionError); refusing messages until it is back",
        "rest: Redis is back; 5 message(s) were refused meanwhile",
    ]


async def test_redis_lost_during_rasas_turn_is_the_same_outcome(services, embedded_redis, caplog):
    address = RedisAddress.from_url(embedded_redis.url)
    locks = RedisLockStore(host=address.host, port=address.port, db=address.db, socket_timeout=1)

    async def rasa_turn(message: UserMessage) -> None:
        async with locks.lock(message.sender_id):  # Rasa's lock store wraps Redis errors in a LockError
            pass

    pipeline = services.pipeline.serving(Blueprint("test_rasa_turn"), rasa_turn)
    decision = await pipeline.admit("rest", "u5", "你好")
    embedded_redis.stop()
    with caplog.at_level(logging.WARNING), pytest.raises(Unavailable):
        await pipeline.to_bot(UserMessage("你好", CollectingOutputChannel(), "u5", input_channel="rest"))
    assert decision.to_bot
    [warning] = outage_warnings(caplog.records)
    assert warning.getMessage().startswith("rest: a message was not handled, Redis unavailable (ConnectionError)")


async def test_other_failures_of_rasas_turn_are_not_mistaken_for_an_outage(services):
    async def broken(message: UserMessage) -> None:
        raise ValueError("a bug")

    pipeline = services.pipeline.serving(Blueprint("test_broken"), broken)
    with pytest.raises(ValueError, match="a bug"):
        await pipeline.to_bot(UserMessage("你好", CollectingOutputChannel(), "u6", input_channel="rest"))


async def test_a_pipeline_must_be_serving_a_channel_before_it_reaches_the_bot(services):
    with pytest.raises(RuntimeError, match="serving"):
        await services.pipeline.to_bot(UserMessage("你好", CollectingOutputChannel(), "u7", input_channel="rest"))
    assert services.pipeline.agent() is None
