"""Telegram through the real stack: signed updates to Rasa's webhook, replies to the Bot API stand-in."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffStore
from bot.ops.stack import Stack
from tests.channels.telegram.telegram_api import BotApiStandIn

pytestmark = pytest.mark.slow

TOKEN = "7000000001:AAe2e-token_for_the_stand-in"
SECRET = "e2e-secret_token"
CHAT = 8080
STICKER = {"file_id": "s", "file_unique_id": "u", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular", "emoji": "😀"}


@pytest.fixture
def bot_api() -> Iterator[BotApiStandIn]:
    api = BotApiStandIn(token=TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def telegram_env(monkeypatch, bot_api: BotApiStandIn) -> BotApiStandIn:
    """The channel's secrets and the stand-in's address, in the environment the launcher reads."""
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", bot_api.base_url)
    return bot_api


@pytest.fixture
def telegram_stack(telegram_env: BotApiStandIn, stack: Stack) -> Stack:
    """The stack, started after (and so with) the Telegram environment: fixtures run in argument order."""
    return stack


def post_update(settings, update: dict[str, Any], secret: str = SECRET) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.rasa_port}/webhooks/telegram/webhook",
        data=json.dumps(update, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as answer:
        status = answer.status
    assert time.monotonic() - started < 5, "Telegram must not wait for the bot's turn"
    return status


def message(update_id: int, chat_id: int = CHAT, language_code: str = "zh-hans", **content: Any) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "测试", "language_code": language_code}, **content}}


def test_a_telegram_user_is_greeted_asked_for_words_and_reached_by_an_agent(telegram_stack, settings, bot_api):
    client = redis.Redis.from_url(telegram_stack.redis_url, decode_responses=True)
    with pytest.raises(urllib.error.HTTPError) as forbidden:
        post_update(settings, message(1000, text="你好"), secret="forged")
    assert forbidden.value.code == 403

    assert post_update(settings, message(1001, text="你好")) == 200
    assert post_update(settings, message(1001, text="你好")) == 200  # Telegram retried: handled once
    greeting = bot_api.wait_for(
        lambda api: [t for t in api.sent_texts(CHAT) if t.startswith("您好,我是智能客服小助手")], timeout=60)
    assert len(greeting) == 1

    before = len(bot_api.sent_texts(CHAT))
    assert post_update(settings, message(1002, sticker=STICKER)) == 200
    asked = bot_api.wait_for(lambda api: api.sent_texts(CHAT)[before:], timeout=60)
    assert asked[0].startswith("抱歉,我暂时只能看懂文字消息"), asked
    assert post_update(settings, message(1003, chat_id=9090, language_code="en", sticker=STICKER)) == 200
    english = bot_api.wait_for(lambda api: api.sent_texts(9090), timeout=60)
    assert english[0].startswith("Sorry, I can only read text for now"), english

    AgentPresence(client).touch("alice")
    store = HandoffStore(client)
    before = len(bot_api.sent_texts(CHAT))
    assert post_update(settings, message(1004, text="转人工")) == 200
    handoff_id = bot_api.wait_for(lambda api: store.active_handoff(f"tg-{CHAT}"), timeout=60)
    assert store.get(handoff_id).channel == "telegram"
    queued = bot_api.wait_for(lambda api: api.sent_texts(CHAT)[before:], timeout=60)
    assert any("您目前排在第" in text for text in queued), queued

    Outbox(client).publish(OutboxMessage(channel="telegram", conversation_id=f"tg-{CHAT}",
                                         text="您好,我是客服alice,正在为您查询", agent="alice", handoff_id=handoff_id))
    bot_api.wait_for(lambda api: "您好,我是客服alice,正在为您查询" in api.sent_texts(CHAT), timeout=30)

    # The agent resolves: the bot takes the chat back, with the agent's words in its history.
    store.claim(handoff_id, "alice")
    store.append(handoff_id, "agent", "您好,我是客服alice,正在为您查询", agent="alice")
    resolved = store.resolve(handoff_id)
    turns = [{"text": t.text, "at": t.at, "agent": t.agent} for t in store.transcript(handoff_id) if t.role == "agent"]
    before = len(bot_api.sent_texts(CHAT))
    Outbox(client).publish(OutboxMessage(channel="telegram", conversation_id=f"tg-{CHAT}", kind="handback",
                                         agent="alice", handoff_id=resolved.handoff_id, turns=turns))
    back = bot_api.wait_for(lambda api: len(api.sent_texts(CHAT)) >= before + 2 and api.sent_texts(CHAT)[before:], timeout=60)
    assert back[0].startswith("人工客服已为您处理完毕"), back
    rating = [c for c in bot_api.calls_of("sendMessage")[-len(back):] if c.params["text"].startswith("请您为本次服务打个分")]
    assert rating and rating[0].params["reply_markup"]["inline_keyboard"], back
    assert store.state(f"tg-{CHAT}") == "bot"

    # The user presses "5": the payload is their answer, the button is answered.
    five = rating[0].params["reply_markup"]["inline_keyboard"][0][0]
    assert five["callback_data"] == "5"
    before = len(bot_api.sent_texts(CHAT))
    pressed = {"update_id": 1005, "callback_query": {
        "id": "cq-1005", "chat_instance": "ci", "data": five["callback_data"],
        "from": {"id": CHAT, "is_bot": False, "first_name": "测试", "language_code": "zh-hans"},
        "message": {"message_id": 1, "date": int(time.time()), "chat": {"id": CHAT, "type": "private"},
                    "text": "请您为本次服务打个分吧"}}}
    assert post_update(settings, pressed) == 200
    thanks = bot_api.wait_for(lambda api: api.sent_texts(CHAT)[before:], timeout=60)
    assert thanks[0].startswith("感谢您的评价"), thanks
    assert [c.params["callback_query_id"] for c in bot_api.calls_of("answerCallbackQuery")] == ["cq-1005"]
