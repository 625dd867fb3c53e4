"""Channels on loopback: their services on the test's Redis, each channel on its own Sanic server,
the Bot API stand-in, a scripted bot."""
from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis
import yaml
from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.shared.core.domain import Domain
from sanic import Sanic

from bot.ops.redis_server import EmbeddedRedis
from bot.settings import Secret, Settings
from bot.wiring import Wiring
from channels import services as channel_services
from channels.pipeline import OUTAGES
from channels.services import ChannelServices
from channels.telegram.channel import SECRET_HEADER, TelegramInput
from channels.telegram.client import TelegramBot
from tests.channels.telegram.telegram_api import BotApiStandIn
from tests.conftest import serving

TOKEN = "123456789:AAtest-token_for_the_stand-in"
SECRET = "s3cret-Token_for-tests"
DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"

@pytest.fixture(autouse=True)
def no_outage_remembered() -> Iterator[None]:
    """Each test starts with every channel's Redis assumed up (the outage log is per process)."""
    OUTAGES.reset()
    yield
    OUTAGES.reset()


# Sanic rewrites some of its own methods when an app starts; outside test mode a second app
# in one process trips over the rewritten source (what sanic-testing switches on too).
Sanic.test_mode = True


@pytest.fixture
def wiring(settings: Settings, embedded_redis: EmbeddedRedis, redis_client: redis.Redis) -> Iterator[Wiring]:
    """A Rasa server process's services on the test's Redis, installed as the process's for ``from_credentials``."""
    built = Wiring(replace(settings, redis_url=embedded_redis.url), redis_client)
    previous = channel_services.install(built)
    yield built
    channel_services.install(previous)


@pytest.fixture
def services(wiring: Wiring) -> ChannelServices:
    """What the channels get of the test's wiring."""
    return ChannelServices.of(wiring)


@pytest.fixture
def bot_api() -> Iterator[BotApiStandIn]:
    """The Bot API stand-in, for TOKEN."""
    api = BotApiStandIn(token=TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
async def telegram_bot(bot_api: BotApiStandIn) -> AsyncIterator[TelegramBot]:
    """The process bot, pointed at the stand-in."""
    bot = TelegramBot(Secret(TOKEN), bot_api.base_url)
    yield bot
    await bot.close()


def outage_warnings(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """What a request logged about a Redis outage; asserts that nothing logged a traceback.

    The outbox deliverers' own retries (channels.delivery) are not the request's and are left out.
    """
    assert [r.getMessage() for r in records if r.exc_info] == []
    return [r for r in records if r.levelno >= logging.WARNING and r.name.startswith("channels")
            and r.name != "channels.delivery"]


def domain_text(response: str, language: str = "zh") -> str:
    """A response's text from domain.yml in ``language`` (zh is the unconditional variant)."""
    variants = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"][response]
    for variant in variants:
        conditions = variant.get("condition") or []
        wanted = [c.get("value") for c in conditions if c.get("name") == "language"]
        if (language == "zh" and not conditions) or wanted == [language]:
            return variant["text"]
    raise KeyError(response)


@functools.lru_cache(maxsize=1)
def project_domain() -> Domain:
    """The project's domain.yml, as Rasa loads it (read once per test session)."""
    return Domain.load(str(DOMAIN))


class ScriptedBot:
    """Stands in for Rasa's agent: records each message and answers with domain.yml's responses.

    ``/non_text_message`` gets ``utter_ask_for_text`` in the language of its entity,
    ``/handoff_resolved`` gets ``utter_handback``, intents get nothing, words get ``utter_greet``.
    """

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.domain = project_domain()  # as Rasa's agent has it: the buttons' payloads are read from it

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        text = message.text or ""
        language = "zh"
        if "{" in text:
            language = json.loads(text[text.index("{"):]).get("language", "zh")
        if text.startswith("/non_text_message"):
            response = "utter_ask_for_text"
        elif text == "/handoff_resolved":
            response = "utter_handback"
        elif text.startswith("/"):
            return
        else:
            response = "utter_greet"
        await message.output_channel.send_response(message.sender_id, {"text": domain_text(response, language)})

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.messages]


class Webhook:
    """The channel served by a real Sanic server; ``post`` sends what Telegram would."""

    def __init__(self, base: str, channel: TelegramInput, bot: ScriptedBot, session: aiohttp.ClientSession) -> None:
        self.url = f"{base}/webhooks/telegram/webhook"
        self.base = base
        self.channel = channel
        self.bot = bot
        self.session = session

    async def post(self, update: Any = None, *, secret: str | None = SECRET, body: bytes | None = None,
                   content_type: str = "application/json") -> aiohttp.ClientResponse:
        headers = {"Content-Type": content_type}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        data = body if body is not None else json.dumps(update, ensure_ascii=False).encode()
        async with self.session.post(self.url, data=data, headers=headers) as answer:
            await answer.read()
            return answer

    async def settled(self) -> None:
        """Wait until the background turns are done."""
        assert await self.channel.tasks.drain(15)


@asynccontextmanager
async def serve_channel(channel: InputChannel, agent: Any) -> AsyncIterator[str]:
    """Register ``channel`` as Rasa does (``/webhooks/<name>/``) on a Sanic server on a free port."""
    app = Sanic(f"channel-test-{uuid.uuid4().hex[:12]}")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    async with serving(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def make_channel(bot_api: BotApiStandIn, services: ChannelServices):
    """``make_channel()``: a TelegramInput on the stand-in and the test's Redis."""
    def make() -> TelegramInput:
        return TelegramInput(Secret(TOKEN), Secret(SECRET), services, bot_api.base_url)
    return make


@pytest.fixture
async def webhook(make_channel) -> AsyncIterator[Webhook]:
    """The channel, running, with a scripted bot behind it."""
    channel = make_channel()
    bot = ScriptedBot()
    async with serve_channel(channel, bot) as base, aiohttp.ClientSession() as session:
        yield Webhook(base, channel, bot, session)


def text_update(update_id: int, text: str, chat_id: int = 4242, language_code: str = "zh-hans", **message: Any) -> dict[str, Any]:
    """A private text message, as Telegram posts it."""
    body = {
        "message_id": update_id * 10,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "小明"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "小明", "language_code": language_code},
        "text": text,
    }
    body.update(message)
    if body.get("text") is None:
        del body["text"]
    return {"update_id": update_id, "message": body}


def callback_update(update_id: int, data: str, chat_id: int = 4242, language_code: str = "zh-hans") -> dict[str, Any]:
    """A pressed inline button under one of the bot's messages."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq-{update_id}",
            "chat_instance": "ci-1",
            "from": {"id": chat_id, "is_bot": False, "first_name": "小明", "language_code": language_code},
            "message": {"message_id": 1, "date": 1_700_000_000, "chat": {"id": chat_id, "type": "private"},
                        "text": "请选择"},
            "data": data,
        },
    }
