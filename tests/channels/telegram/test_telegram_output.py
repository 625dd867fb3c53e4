"""The output channel against the Bot API stand-in: texts, inline keyboards, long payloads, failures."""
from __future__ import annotations

import asyncio
import logging

import pytest

from bot.settings import Secret
from channels.telegram.buttons import (
    MAX_CALLBACK_BYTES,
    SHORT_ID_PREFIX,
    callback_data,
    needs_short_id,
    payload_of,
)
from channels.telegram.client import TelegramBot
from channels.telegram.output import MAX_TELEGRAM_CHARS, TelegramDeliveryError, TelegramOutput, split_text
from tests.channels.conftest import TOKEN

LONG_PAYLOAD = '/inform{"order_number": "DD2024052012345", "remedy": "refund", "note": "退款到原支付账户"}'


@pytest.fixture
def output(telegram_bot, redis_client) -> TelegramOutput:
    return TelegramOutput(telegram_bot, redis_client, max_retry_wait=1)


async def test_a_reply_is_one_send_message_to_the_chat_and_the_bot_is_initialized_once(output, bot_api):
    await asyncio.gather(*(output.send_text_message("tg-4242", f"第{n}条") for n in range(3)))
    await output.send_response("tg-4242", {"text": "您好"})
    assert sorted(bot_api.sent_texts(4242)) == sorted(["第0条", "第1条", "第2条", "您好"])
    assert len(bot_api.calls_of("getMe")) == 1
    assert all(call.token == TOKEN for call in bot_api.calls)
    assert "parse_mode" not in bot_api.calls_of("sendMessage")[0].params  # plain text, no markup injection


async def test_buttons_become_an_inline_keyboard_whose_callback_data_is_the_payload(output, bot_api):
    buttons = [{"title": "好的,转人工", "payload": "/affirm"}, {"title": "不用,继续", "payload": "/deny"}]
    await output.send_response("tg-4242", {"text": "您的问题比较特殊,我请主管为您详细解答,好吗?", "buttons": buttons})
    call = bot_api.calls_of("sendMessage")[-1]
    assert call.params["text"] == "您的问题比较特殊,我请主管为您详细解答,好吗?"
    assert call.params["reply_markup"] == {"inline_keyboard": [
        [{"text": "好的,转人工", "callback_data": "/affirm"}],
        [{"text": "不用,继续", "callback_data": "/deny"}],
    ]}


async def test_a_payload_over_64_bytes_travels_as_a_short_id_and_comes_back_whole(output, bot_api, redis_client):
    assert len(LONG_PAYLOAD.encode()) > MAX_CALLBACK_BYTES
    await output.send_text_with_buttons("tg-4242", "请确认", [{"title": "确认退款", "payload": LONG_PAYLOAD},
                                                              {"title": "Talk to an agent", "payload": "talk to an agent"}])
    keyboard = bot_api.calls_of("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    data = keyboard[0][0]["callback_data"]
    assert data.startswith(SHORT_ID_PREFIX) and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert payload_of(data, redis_client) == LONG_PAYLOAD
    assert keyboard[1][0]["callback_data"] == "talk to an agent"
    assert redis_client.ttl(f"cs:telegram:payload:{data}") > 0
    # The same payload always gets the same id: nothing piles up in Redis.
    assert callback_data(LONG_PAYLOAD, redis_client) == data


def test_payloads_that_look_like_short_ids_or_have_many_bytes_are_stored(redis_client):
    assert needs_short_id(SHORT_ID_PREFIX + "x")
    assert needs_short_id("转" * 22)  # 66 bytes in UTF-8, 22 characters
    assert not needs_short_id("转" * 21)
    tricky = SHORT_ID_PREFIX + "not really an id"
    assert payload_of(callback_data(tricky, redis_client), redis_client) == tricky
    assert payload_of(SHORT_ID_PREFIX + "0" * 20, redis_client) is None  # expired or made up


async def test_quick_replies_and_url_buttons(output, bot_api):
    await output.send_response("tg-1", {"text": "选一个", "quick_replies": [{"title": "5 非常满意", "payload": "5"}]})
    await output.send_text_with_buttons("tg-1", "帮助中心", [{"title": "打开", "url": "https://example.com/help"}])
    first, second = (c.params["reply_markup"]["inline_keyboard"] for c in bot_api.calls_of("sendMessage"))
    assert first == [[{"text": "5 非常满意", "callback_data": "5"}]]
    assert second == [[{"text": "打开", "url": "https://example.com/help"}]]


async def test_texts_longer_than_telegram_takes_are_split_with_the_keyboard_on_the_last_piece(output, bot_api):
    text = "\n".join(f"第{n}行:" + "好" * 90 for n in range(100))
    await output.send_text_with_buttons("tg-9", text, [{"title": "OK", "payload": "/affirm"}])
    calls = bot_api.calls_of("sendMessage")
    assert len(calls) == 3 and all(len(c.params["text"]) <= MAX_TELEGRAM_CHARS for c in calls)
    assert "\n".join(c.params["text"] for c in calls) == text
    assert [("reply_markup" in c.params) for c in calls] == [False, False, True]
    assert split_text("a" * 9000) == ["a" * 4000, "a" * 4000, "a" * 1000]
    assert split_text("   ") == []


async def test_rasa_extras_never_send_made_up_words(output, bot_api):
    await output.send_response("tg-1", {"custom": {"text": "自定义"}})
    await output.send_response("tg-1", {"custom": {"blocks": []}})
    await output.send_response("tg-1", {"attachment": {"type": "file"}})
    await output.send_response("tg-1", {"image": "https://example.com/a.png"})
    assert bot_api.sent_texts() == ["自定义"]
    assert bot_api.calls_of("sendPhoto")[0].params["photo"] == "https://example.com/a.png"


async def test_a_bot_reply_that_fails_is_logged_without_token_or_personal_data_and_never_raises(output, bot_api, caplog):
    caplog.set_level(logging.DEBUG)
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user 13812345678")
    await output.send_text_message("tg-4242", "您好,我的电话是13812345678")
    await output.send_text_message("not-telegram", "x")
    logged = caplog.text
    assert "bot was blocked" in logged and "13812345678" not in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


async def test_flood_control_and_network_trouble_are_retried(output, bot_api):
    bot_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    bot_api.fail_next("sendMessage", 502, "Bad Gateway")
    await output.send_text_message("tg-5", "终于到了")
    assert bot_api.sent_texts(5) == ["终于到了"] * 3  # two refused, the third delivered
    assert len(bot_api.calls_of("sendMessage")) == 3


async def test_an_agent_message_raises_when_worth_retrying_and_is_dropped_when_it_can_never_arrive(output, bot_api):
    for _ in range(3):
        bot_api.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(TelegramDeliveryError) as error:
        await output.send_agent_message("tg-5", "客服回复", "alice")
    assert TOKEN not in str(error.value)
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await output.send_agent_message("tg-5", "客服回复", "alice")  # dropped, logged
    await output.send_agent_message("tg-5", "客服回复", "alice")
    assert bot_api.sent_texts(5)[-1] == "客服回复"


async def test_a_rejected_token_is_reported_without_the_token(bot_api, redis_client):
    wrong = TelegramBot(Secret("999:wrong-token"), bot_api.base_url)
    output = TelegramOutput(wrong, redis_client)
    with pytest.raises(TelegramDeliveryError) as error:
        await output.send_agent_message("tg-5", "x", "alice")
    assert "rejected TELEGRAM_TOKEN" in str(error.value) and "wrong-token" not in str(error.value)
    await wrong.close()


async def test_answering_a_button(output, bot_api):
    await output.answer_button("cq-1")
    assert bot_api.calls_of("answerCallbackQuery")[0].params["callback_query_id"] == "cq-1"
