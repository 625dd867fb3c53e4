"""The REST webhook on a real Sanic server and Redis; a scripted bot stands in for Rasa."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.store import HandoffRecord, HandoffStore
from channels.rest import GatedRestInput
from tests.channels.conftest import ScriptedBot, domain_text, outage_warnings, serve_channel


class Rest:
    """The channel, running: ``say`` posts what a REST client would."""

    def __init__(self, url: str, bot: ScriptedBot, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.bot = bot
        self.session = session

    async def say(self, body: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(self.url, json=body) as answer:
            return answer.status, await answer.json()


@pytest.fixture
async def rest(services) -> AsyncIterator[Rest]:
    bot = ScriptedBot()
    async with serve_channel(GatedRestInput(services), bot) as base, aiohttp.ClientSession() as session:
        yield Rest(f"{base}/webhooks/rest/webhook", bot, session)


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


async def test_a_message_reaches_the_bot_and_its_replies_come_back(rest):
    status, replies = await rest.say({"sender": "u1", "message": "你好", "message_id": "m1", "metadata": {"page": "help"}})
    assert status == 200 and texts(replies) == [domain_text("utter_greet")]
    [message] = rest.bot.messages
    assert (message.text, message.sender_id, message.input_channel) == ("你好", "u1", "rest")
    assert (message.message_id, message.metadata) == ("m1", {"page": "help", "client_address": "127.0.0.1"})


async def test_the_client_address_is_the_channels_not_the_users(rest):
    await rest.say({"sender": "u9", "message": "你好", "metadata": {"client_address": "203.0.113.9"}})
    [message] = rest.bot.messages
    assert message.metadata["client_address"] == "127.0.0.1"


@pytest.mark.parametrize("typed, received", [
    ("/restart", "restart"),
    ("/handoff_resolved", "handoff_resolved"),
    ('/complaint{"order_number": "DD2026110500123"}', 'complaint{"order_number": "DD2026110500123"}'),
    ('/greet{"language": "en"}', 'greet{"language": "en"}'),
    ("/ /request_human", "request_human"),
    ("/affirm", "/affirm"),  # a button the bot offers (utter_ask_resolved): still a payload
    ("/deny", "/deny"),
])
async def test_typed_intent_syntax_reaches_rasa_as_words_but_offered_buttons_work(rest, typed, received):
    status, _ = await rest.say({"sender": "slash-user", "message": typed})
    assert status == 200
    assert rest.bot.texts() == [received]


async def test_a_lone_surrogate_anywhere_is_a_400_or_replaced_never_a_500(rest):
    async with rest.session.post(rest.url, data=b'{"sender": "s1", "message": "\\ud800"}',
                                 headers={"content-type": "application/json"}) as answer:
        assert answer.status == 200
    assert rest.bot.texts() == ["\ufffd"]
    for body in (b'{"sender": "\\ud800", "message": "hi"}', b'{"sender": "s1", "message": "hi", "message_id": "\\udc00"}'):
        async with rest.session.post(rest.url, data=body, headers={"content-type": "application/json"}) as answer:
            assert answer.status == 400 and "error" in await answer.json()


async def test_a_repeated_message_id_reaches_the_bot_once(rest):
    for _ in range(2):
        status, _replies = await rest.say({"sender": "u2", "message": "你好", "message_id": "m2"})
        assert status == 200
    assert rest.bot.texts() == ["你好"]


async def test_with_an_agent_on_the_conversation_the_words_go_to_the_transcript_and_agent_replies_come_back(
        rest, redis_client):
    store = HandoffStore(redis_client)
    handoff = store.open(HandoffRecord(handoff_id="", conversation_id="u3", channel="rest", category="inquiry",
                                       priority="normal", reason="explicit_request", summary="", created_at=time.time()), [])
    Outbox(redis_client).publish(OutboxMessage(channel="rest", conversation_id="u3", text="您好,我是客服alice", agent="alice"))
    for _ in range(100):  # the deliverer puts it in the user's inbox
        if Outbox(redis_client).pending("rest") == 0 and redis_client.exists("cs:rest:inbox:u3"):
            break
        await asyncio.sleep(0.05)
    status, replies = await rest.say({"sender": "u3", "message": "还在吗"})
    assert status == 200 and texts(replies) == ["您好,我是客服alice"]
    assert rest.bot.messages == []
    assert store.transcript(handoff.handoff_id)[-1].text == "还在吗"


async def test_redis_down_is_a_503_with_a_json_error_not_a_500(rest, embedded_redis, caplog):
    embedded_redis.stop()
    with caplog.at_level(logging.WARNING):
        async with rest.session.post(rest.url, json={"sender": "u4", "message": "你好", "message_id": "m4"}) as answer:
            status, error = answer.status, await answer.json()
    assert status == 503 and set(error) == {"error"}
    assert rest.bot.messages == []
    [warning] = outage_warnings(caplog.records)
    assert warning.getMessage().startswith("rest: a message was not handled, Redis unavailable (ConnectionError)")


async def test_bad_input_is_still_a_400_when_redis_is_down(rest, embedded_redis):
    embedded_redis.stop()
    async with rest.session.post(rest.url, data=b"not json") as answer:
        assert answer.status == 400


def test_from_credentials_takes_the_process_services(wiring, redis_client):
    channel = GatedRestInput.from_credentials(None)
    assert channel.name() == "rest" and channel.services.redis is redis_client
