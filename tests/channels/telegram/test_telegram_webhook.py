"""The webhook on a real Sanic server, real Redis and the Bot API stand-in; a scripted bot stands in for Rasa."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace

import aiohttp
import pytest

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.store import HandoffRecord, HandoffStore
from bot.settings import Secret
from bot.wiring import Wiring
from channels import services as channel_services
from channels.telegram.channel import MAX_BODY_BYTES, TelegramInput
from channels.telegram.client import TelegramSetupError
from tests.channels.conftest import (
    SECRET,
    TOKEN,
    ScriptedBot,
    callback_update,
    domain_text,
    outage_warnings,
    serve_channel,
    text_update,
)

STICKER = {"file_id": "s", "file_unique_id": "u", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular", "emoji": "😀"}


async def test_without_the_secret_or_with_another_the_answer_is_403_and_nothing_happens(webhook, bot_api):
    for secret in (None, "", "wrong", SECRET + "x", SECRET[:-1]):
        answer = await webhook.post(text_update(1, "你好"), secret=secret)
        assert answer.status == 403, secret
    await webhook.settled()
    assert webhook.bot.messages == [] and bot_api.calls == []


async def test_a_message_reaches_rasa_as_the_chats_conversation_and_the_reply_reaches_the_chat(webhook, bot_api):
    answer = await webhook.post(text_update(10, "你好", chat_id=4242, language_code="zh-hans"))
    assert answer.status == 200
    await webhook.settled()
    [message] = webhook.bot.messages
    assert (message.text, message.sender_id, message.input_channel) == ("你好", "tg-4242", "telegram")
    assert message.metadata == {"language_code": "zh-hans"} and message.message_id == "10"
    assert bot_api.sent_texts(4242) == [domain_text("utter_greet")]


async def test_a_repeated_update_id_is_processed_once(webhook, bot_api):
    for _ in range(3):
        assert (await webhook.post(text_update(11, "你好"))).status == 200
    await webhook.settled()
    assert webhook.bot.texts() == ["你好"]
    assert len(bot_api.sent_texts()) == 1


async def test_a_sticker_gets_the_polite_ask_for_words_in_the_users_language(webhook, bot_api):
    await webhook.post(text_update(12, None, chat_id=1, language_code="zh-hans", sticker=STICKER))
    await webhook.post(text_update(13, None, chat_id=2, language_code="en", sticker=STICKER))
    await webhook.settled()
    assert bot_api.sent_texts(1) == [domain_text("utter_ask_for_text", "zh")]
    assert bot_api.sent_texts(2) == [domain_text("utter_ask_for_text", "en")]
    assert webhook.bot.texts() == ['/non_text_message{"language": "zh"}', '/non_text_message{"language": "en"}']


@pytest.mark.parametrize("update", [
    {"update_id": 20, "edited_message": text_update(20, "改过的")["message"]},
    {"update_id": 21, "channel_post": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "channel"}, "text": "公告"}},
    {"update_id": 22, "my_chat_member": {
        "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False, "first_name": "a"}, "date": 0,
        "old_chat_member": {"status": "member", "user": {"id": 7, "is_bot": True, "first_name": "b"}},
        "new_chat_member": {"status": "kicked", "until_date": 0, "user": {"id": 7, "is_bot": True, "first_name": "b"}}}},
    {"update_id": 23, "poll_answer_v99": {"anything": [1, 2]}},
])
async def test_edits_channel_posts_and_unknown_kinds_get_200_and_nothing_else(webhook, bot_api, update):
    answer = await webhook.post(update)
    assert answer.status == 200
    await webhook.settled()
    assert webhook.bot.messages == [] and bot_api.calls == []


@pytest.mark.parametrize("body, content_type, status", [
    (b"", "application/json", 400),
    (b"not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'"update"', "application/json", 400),
    (b"\xff\xfe\x00\x01\x80garbage", "application/json", 400),
    (bytes(range(256)) * 4, "application/octet-stream", 400),
    (json.dumps(text_update(30, "你好")).encode(), "text/plain", 400),
    (json.dumps(text_update(31, "你好")).encode(), "application/x-www-form-urlencoded", 400),
    (b'{"update_id": "thirty-two"}', "application/json", 400),
    (b'{"update_id": 33, "message": {"text": "no chat"}}', "application/json", 400),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    (b'{"update_id": 34, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "'
     + "好".encode() * (MAX_BODY_BYTES // 3 + 10) + b'"}}', "application/json", 413),
], ids=["empty", "not-json", "array", "string", "binary-as-json", "binary", "text-plain", "form", "bad-update-id",
        "no-chat", "deeply-nested", "huge"])
async def test_bad_bodies_are_a_4xx_with_a_json_error_never_a_500(webhook, bot_api, body, content_type, status):
    headers = {"Content-Type": content_type, "X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with webhook.session.post(webhook.url, data=body, headers=headers) as answer:
        assert answer.status == status
        error = await answer.json()
    assert set(error) == {"error"} and "Traceback" not in error["error"]
    assert webhook.bot.messages == []


async def test_a_text_over_4000_characters_reaches_rasa_cut_and_marked(webhook):
    await webhook.post(text_update(35, "长" * 5000))
    await webhook.settled()
    assert webhook.bot.texts() == ["长" * 4000]
    assert webhook.bot.messages[0].metadata["truncated"] is True


async def test_a_pressed_button_is_answered_and_its_payload_is_the_users_message(webhook, bot_api):
    long_payload = '/inform{"order_number": "DD2024052012345", "remedy": "refund_to_original_account"}'
    await webhook.channel.get_output_channel().send_text_with_buttons(
        "tg-4242", "请确认", [{"title": "确认", "payload": long_payload}, {"title": "不用", "payload": "/deny"}])
    keyboard = bot_api.calls_of("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    long_data, short_data = keyboard[0][0]["callback_data"], keyboard[1][0]["callback_data"]
    assert (await webhook.post(callback_update(40, long_data))).status == 200
    assert (await webhook.post(callback_update(41, short_data))).status == 200
    assert (await webhook.post(callback_update(41, short_data))).status == 200  # Telegram retried
    await webhook.settled()
    assert webhook.bot.texts() == [long_payload, "/deny"]
    assert [c.params["callback_query_id"] for c in bot_api.calls_of("answerCallbackQuery")] == ["cq-40", "cq-41"]


async def test_a_button_whose_long_payload_expired_is_answered_and_otherwise_ignored(webhook, bot_api):
    await webhook.post(callback_update(42, "~p:" + "0" * 20))
    await webhook.settled()
    assert webhook.bot.messages == []
    assert [c.params["callback_query_id"] for c in bot_api.calls_of("answerCallbackQuery")] == ["cq-42"]


async def test_with_an_agent_on_the_conversation_the_bot_is_silent_and_the_agent_sees_the_words(webhook, bot_api, redis_client):
    store = HandoffStore(redis_client)
    handoff = store.open(HandoffRecord(handoff_id="", conversation_id="tg-4242", channel="telegram", category="inquiry",
                                       priority="normal", reason="explicit_request", summary="", created_at=time.time()), [])
    await webhook.post(text_update(50, "我的电话是13812345678"))
    await webhook.post(text_update(51, None, sticker=STICKER))
    await webhook.settled()
    assert webhook.bot.messages == [] and bot_api.sent_texts() == []
    texts = [turn.text for turn in store.transcript(handoff.handoff_id)]
    assert texts[-2:] == ["我的电话是138****5678", '/non_text_message{"language": "zh"}']


async def test_the_webhook_answers_at_once_even_when_the_bot_is_slow(make_channel, bot_api):
    class SlowBot(ScriptedBot):
        async def handle_message(self, message):
            await asyncio.sleep(3)
            await super().handle_message(message)

    channel, bot = make_channel(), SlowBot()
    async with serve_channel(channel, bot) as base, aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.post(f"{base}/webhooks/telegram/webhook", json=text_update(60, "你好"),
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as answer:
            assert answer.status == 200
        assert time.monotonic() - started < 1.5
        await bot_api.wait_for_async(lambda api: api.sent_texts(4242), timeout=10)


async def test_one_chats_messages_are_handled_in_the_order_they_came(make_channel, bot_api):
    class UnevenBot(ScriptedBot):
        async def handle_message(self, message):
            await asyncio.sleep(0.3 if message.text == "第一" else 0)
            self.messages.append(message)

    channel, bot = make_channel(), UnevenBot()
    async with serve_channel(channel, bot) as base, aiohttp.ClientSession() as session:
        for n, text in enumerate(["第一", "第二", "第三"]):
            await session.post(f"{base}/webhooks/telegram/webhook", json=text_update(70 + n, text),
                               headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        await session.post(f"{base}/webhooks/telegram/webhook", json=text_update(80, "别的聊天", chat_id=9),
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert await channel.tasks.drain(10)
    assert bot.texts() == ["别的聊天", "第一", "第二", "第三"]


async def test_agent_replies_and_hand_backs_from_the_outbox_reach_the_chat(webhook, bot_api, redis_client):
    outbox = Outbox(redis_client)
    outbox.publish(OutboxMessage(channel="telegram", conversation_id="tg-4242", text="您好,我是客服alice", agent="alice"))
    await bot_api.wait_for_async(lambda api: api.sent_texts(4242))
    assert bot_api.sent_texts(4242) == ["您好,我是客服alice"]
    outbox.publish(OutboxMessage(channel="telegram", conversation_id="tg-4242", kind="handback", agent="alice"))
    await bot_api.wait_for_async(lambda api: len(api.sent_texts(4242)) == 2)
    assert bot_api.sent_texts(4242)[1] == domain_text("utter_handback")
    [resolved] = webhook.bot.messages
    assert (resolved.text, resolved.sender_id, resolved.input_channel) == ("/handoff_resolved", "tg-4242", "telegram")
    # The deliverer acknowledges once the hand-back has finished, a moment after its text went out.
    for _ in range(100):
        if outbox.pending("telegram") == 0:
            break
        await asyncio.sleep(0.05)
    assert outbox.pending("telegram") == 0


async def test_an_agent_message_to_a_chat_that_blocked_the_bot_is_not_retried_for_ever(webhook, bot_api, redis_client):
    outbox = Outbox(redis_client)
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    outbox.publish(OutboxMessage(channel="telegram", conversation_id="tg-77", text="在吗", agent="alice"))
    await bot_api.wait_for_async(lambda api: api.calls_of("sendMessage"))
    await asyncio.sleep(0.3)
    assert outbox.pending("telegram") == 0 and len(bot_api.calls_of("sendMessage")) == 1


@pytest.mark.parametrize("update", [text_update(90, "你好"), callback_update(91, "~p:" + "0" * 20)],
                         ids=["text", "button-with-a-long-payload"])
async def test_redis_down_is_a_503_so_telegram_delivers_the_update_again(webhook, bot_api, embedded_redis, caplog,
                                                                         update):
    embedded_redis.stop()
    with caplog.at_level(logging.WARNING):
        answer = await webhook.post(update)
        await webhook.settled()
    assert answer.status == 503
    assert webhook.bot.messages == [] and bot_api.calls == []
    [warning] = outage_warnings(caplog.records)
    assert warning.getMessage().startswith("telegram: a message was not handled, Redis unavailable (ConnectionError)")


def test_the_channel_will_not_run_without_a_secret_or_a_token(services, wiring):
    with pytest.raises(TelegramSetupError):
        TelegramInput(Secret(TOKEN), Secret(""), services)
    with pytest.raises(TelegramSetupError):
        TelegramInput(Secret(""), Secret(SECRET), services)
    with pytest.raises(TelegramSetupError):
        TelegramInput.from_credentials({"token": TOKEN})


def test_from_credentials_takes_the_api_address_and_services_from_the_process_wiring(wiring, redis_client):
    channel_services.install(Wiring(replace(wiring.settings, telegram_api_base_url="http://127.0.0.1:9/bot"), redis_client))
    channel = TelegramInput.from_credentials({"token": TOKEN, "secret_token": SECRET})
    assert channel.name() == "telegram" and channel.url_prefix() == "telegram"
    assert channel.telegram.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert channel.services.redis is redis_client
    assert TOKEN not in repr(channel.__dict__)


def test_without_an_installed_wiring_the_channel_says_how_to_start_rasa():
    previous = channel_services.install(None)
    try:
        with pytest.raises(RuntimeError, match=r"bot\.ops\.rasa_server"):
            TelegramInput.from_credentials({"token": TOKEN, "secret_token": SECRET})
    finally:
        channel_services.install(previous)
