"""The web chat on a real Sanic server and Redis, talked to by a real python-socketio client.

A scripted bot stands in for Rasa; for the polite answer when Redis is down it renders
domain.yml's responses with Rasa's own NLG, as the agent of a loaded model does.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import socketio
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain

from channels.web import WebChatInput
from tests.channels.conftest import DOMAIN, ScriptedBot, domain_text, outage_warnings, serve_channel


class RenderingBot(ScriptedBot):
    """The scripted bot with a model's domain and NLG (the agent of a loaded model has both)."""

    def __init__(self, domain: Domain) -> None:
        super().__init__()
        self.domain = domain
        self.nlg = TemplatedNaturalLanguageGenerator(domain.responses)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


class User:
    """A browser's socket: ``say`` sends a message, ``heard`` returns the next bot message."""

    def __init__(self, client: socketio.AsyncClient, session_id: str, received: asyncio.Queue[dict[str, Any]]) -> None:
        self.client = client
        self.session_id = session_id
        self.received = received

    async def say(self, text: str, **extra: Any) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id, **extra})

    async def heard(self, timeout: float = 10) -> dict[str, Any]:
        return await asyncio.wait_for(self.received.get(), timeout)


@asynccontextmanager
async def chatting(services, bot: ScriptedBot) -> AsyncIterator[User]:
    """The channel served, and one user connected with a confirmed session."""
    async with serve_channel(WebChatInput(services), bot) as base:
        client = socketio.AsyncClient(reconnection=False)
        received: asyncio.Queue = asyncio.Queue()
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda _session: confirmed.set())
        client.on("bot_uttered", received.put_nowait)
        # Long-polling: the websocket transport of this python-engineio needs a newer aiohttp than Rasa allows.
        await client.connect(base, transports=["polling"], socketio_path="/socket.io")
        try:
            session_id = uuid.uuid4().hex
            await client.emit("session_request", {"session_id": session_id})
            await asyncio.wait_for(confirmed.wait(), 10)
            yield User(client, session_id, received)
        finally:
            # Not waiting for the long poll under way: the server would answer it only after ~30 s.
            await client.eio.disconnect(abort=True)


async def test_a_message_reaches_the_bot_and_the_reply_reaches_the_socket(services):
    bot = ScriptedBot()
    async with chatting(services, bot) as user:
        await user.say("你好", message_id="w1")
        assert (await user.heard())["text"] == domain_text("utter_greet")
    [message] = bot.messages
    assert (message.text, message.sender_id, message.input_channel, message.message_id) == (
        "你好", user.session_id, "socketio", "w1")


async def test_with_redis_down_the_user_is_told_politely_in_their_language(services, domain, embedded_redis, caplog):
    bot = RenderingBot(domain)
    async with chatting(services, bot) as user:
        embedded_redis.stop()
        with caplog.at_level(logging.WARNING):
            await user.say("你好,我的订单到哪了")
            zh = await user.heard()
            await user.say("hello, where is my order")
            en = await user.heard()
    assert zh["text"] == domain_text("utter_temporarily_unavailable", "zh")
    assert en["text"] == domain_text("utter_temporarily_unavailable", "en")
    assert bot.messages == []
    # One line for the outage, not one per message.
    assert [w.getMessage() for w in outage_warnings(caplog.records)] == [
        "socketio: a message was not handled, Redis unavailable (ConnectionError); refusing messages until it is back"]


async def test_with_redis_down_and_no_model_loaded_nothing_breaks(services, embedded_redis, caplog):
    bot = ScriptedBot()  # no domain, no NLG: nothing to say it with
    async with chatting(services, bot) as user:
        embedded_redis.stop()
        with caplog.at_level(logging.WARNING):
            await user.say("你好")
            with pytest.raises(asyncio.TimeoutError):
                await user.heard(timeout=1)
        assert user.client.connected
    assert bot.messages == []
    assert len(outage_warnings(caplog.records)) == 1


def test_from_credentials_takes_the_process_services_and_the_events(wiring, redis_client):
    channel = WebChatInput.from_credentials({"user_message_evt": "said", "bot_message_evt": "answered"})
    assert (channel.name(), channel.user_message_evt, channel.bot_message_evt) == ("socketio", "said", "answered")
    assert channel.services.redis is redis_client


async def test_only_offered_and_opening_payloads_reach_rasa_as_intents(services):
    bot = ScriptedBot()
    async with chatting(services, bot) as user:
        for typed in ("/greet", "/restart", '/greet{"language": "en"}', "/affirm", "\ud800 hi"):
            await user.say(typed)
            await asyncio.sleep(0.05)
        for _ in range(200):
            if len(bot.messages) == 5:
                break
            await asyncio.sleep(0.05)
    # The widget's initPayload and a button the bot offers stay payloads; typed syntax is words.
    assert bot.texts() == ["/greet", "restart", 'greet{"language": "en"}', "/affirm", "\ufffd hi"]
    assert all(message.metadata.get("client_address") for message in bot.messages)


async def test_the_servers_healthz_names_what_is_down(services, embedded_redis):
    import aiohttp

    async with serve_channel(WebChatInput(services), ScriptedBot()) as base, aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as up:
            assert up.status == 200
            assert await up.json() == {"status": "ok", "model": True, "redis": True, "action_server": True}
        embedded_redis.stop()
        async with session.get(f"{base}/healthz") as degraded:
            assert degraded.status == 200 and (await degraded.json())["status"] == "degraded"
            assert (await degraded.json())["redis"] is False
    async with serve_channel(WebChatInput(services), None) as base, aiohttp.ClientSession() as session, \
            session.get(f"{base}/healthz") as loading:
        assert loading.status == 503 and (await loading.json())["model"] is False
