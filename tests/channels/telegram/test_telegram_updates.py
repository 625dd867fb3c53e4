"""Telegram updates reduced to the user's turn: recorded payloads, then arbitrary JSON."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from telegram import Bot

from channels.messages import MAX_MESSAGE_CHARS
from channels.telegram.updates import (
    Incoming,
    UnusableUpdate,
    chat_id_of,
    conversation_id,
    intent_message,
    language_of,
    parse_update,
    secret_matches,
    user_text,
)
from tests.channels.conftest import TOKEN, callback_update, text_update

BOT = Bot(TOKEN)  # building a Bot does no I/O; de_json only links objects to it


def test_a_text_message_becomes_the_users_words_in_the_chats_conversation():
    incoming = parse_update(text_update(7, "  我的快递到哪了  ", chat_id=555, language_code="zh-hans"), BOT)
    assert incoming == Incoming(update_id=7, chat_id=555, kind="text", text="我的快递到哪了", language_code="zh-hans")
    assert incoming.conversation_id == "tg-555"


def test_conversation_ids_go_both_ways_and_group_chats_keep_their_sign():
    assert conversation_id(-100123) == "tg--100123"
    assert chat_id_of("tg--100123") == -100123
    assert chat_id_of(conversation_id(42)) == 42
    with pytest.raises(ValueError):
        chat_id_of("rest-user")


@pytest.mark.parametrize("kind, value", [
    ("sticker", {"file_id": "s", "file_unique_id": "u", "width": 512, "height": 512, "is_animated": False,
                 "is_video": False, "type": "regular", "emoji": "😀"}),
    ("photo", [{"file_id": "p", "file_unique_id": "u", "width": 90, "height": 90}]),
    ("voice", {"file_id": "v", "file_unique_id": "u", "duration": 3}),
    ("video", {"file_id": "v", "file_unique_id": "u", "width": 1, "height": 1, "duration": 1}),
    ("document", {"file_id": "d", "file_unique_id": "u", "file_name": "invoice.pdf"}),
    ("location", {"latitude": 31.23, "longitude": 121.47}),
])
def test_anything_but_words_asks_rasa_for_the_non_text_intent_in_the_users_language(kind, value):
    zh = parse_update(text_update(1, None, language_code="zh-hans", **{kind: value}), BOT)
    assert (zh.kind, zh.text) == ("media", '/non_text_message{"language": "zh"}')
    en = parse_update(text_update(2, None, language_code="en-GB", **{kind: value}), BOT)
    assert en.text == '/non_text_message{"language": "en"}'
    unknown = parse_update(text_update(3, None, language_code="de", **{kind: value}), BOT)
    assert unknown.text == "/non_text_message"


def test_a_photo_with_a_caption_is_answered_by_its_words():
    update = text_update(1, None, photo=[{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}],
                         caption="收到的商品是坏的")
    assert parse_update(update, BOT).text == "收到的商品是坏的"


@pytest.mark.parametrize("update", [
    {"update_id": 1, "edited_message": text_update(1, "改过的")["message"]},
    {"update_id": 2, "channel_post": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "channel"}, "text": "公告"}},
    {"update_id": 3, "my_chat_member": {
        "chat": {"id": 5, "type": "private"}, "from": {"id": 5, "is_bot": False, "first_name": "a"}, "date": 0,
        "old_chat_member": {"status": "member", "user": {"id": 7, "is_bot": True, "first_name": "b"}},
        "new_chat_member": {"status": "kicked", "until_date": 0, "user": {"id": 7, "is_bot": True, "first_name": "b"}}}},
    {"update_id": 4, "some_future_kind": {"whatever": True}},
    {"update_id": 5},
    text_update(6, "   "),
    text_update(7, None, new_chat_members=[{"id": 9, "is_bot": False, "first_name": "c"}]),
])
def test_updates_with_nothing_to_answer_are_none(update):
    assert parse_update(update, BOT) is None


@pytest.mark.parametrize("data", [None, [], "update", 42, {}, {"update_id": "1"}, {"update_id": True},
                                  {"update_id": 1, "message": "hello"}, {"update_id": 1, "message": {"text": "x"}},
                                  {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "x",
                                                               "chat": {"id": "abc", "type": "private"}}}])
def test_what_is_not_an_update_is_unusable(data):
    with pytest.raises(UnusableUpdate):
        parse_update(data, BOT)


def test_a_pressed_button_brings_its_data_and_the_query_to_answer():
    incoming = parse_update(callback_update(9, "/affirm", chat_id=777, language_code="en"), BOT)
    assert incoming == Incoming(9, 777, "button", "/affirm", "en", callback_query_id="cq-9")


def test_a_button_on_an_inline_message_falls_back_to_the_users_private_chat():
    update = callback_update(9, "/deny", chat_id=31)
    del update["callback_query"]["message"]
    assert parse_update(update, BOT).chat_id == 31


def test_long_texts_are_cut_and_commands_cannot_trigger_intents():
    long = parse_update(text_update(1, "好" * 10_000), BOT)
    assert len(long.text) == MAX_MESSAGE_CHARS and long.truncated
    assert not parse_update(text_update(2, "好" * MAX_MESSAGE_CHARS), BOT).truncated
    assert user_text("/start", "en") == '/greet{"language": "en"}'
    assert user_text("/start@cs_assistant_test_bot deep-link", "zh-hans") == '/greet{"language": "zh"}'
    assert user_text("/handoff_resolved", None) == "handoff_resolved"
    assert user_text("/inform{\"priority\": \"high\"}", None) == "inform{\"priority\": \"high\"}"
    assert user_text("/ /inform{\"priority\": \"high\"}", None) == "inform{\"priority\": \"high\"}"
    assert user_text("/\u3000/\t/greet", None) == "greet"
    assert user_text("/", None) is None


def test_app_languages_map_to_the_bots_languages():
    assert [language_of(c) for c in ("zh", "zh-hans", "zh-TW", "en", "en-US", "de", "", None)] == \
        ["zh", "zh", "zh", "en", "en", None, None, None]
    assert intent_message("greet", "fr") == "/greet"


def test_the_secret_is_compared_exactly():
    assert secret_matches("abc-123", "abc-123")
    assert not secret_matches("abc-124", "abc-123")
    assert not secret_matches("", "abc-123")
    assert not secret_matches(None, "abc-123")
    assert not secret_matches("abc-123", "")
    assert not secret_matches("ébc-123", "abc-123")  # non-ASCII must not raise


# --- arbitrary input -----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
update_keys = st.sampled_from(["message", "edited_message", "callback_query", "channel_post", "my_chat_member",
                               "text", "chat", "id", "from", "data", "date", "message_id", "sticker", "photo",
                               "language_code", "caption", "type"])
telegramish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(update_keys, children, max_size=6),
    max_leaves=30,
)
fast = hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_outcome(data):
    try:
        incoming = parse_update(data, BOT)
    except UnusableUpdate:
        return
    if incoming is None:
        return
    assert isinstance(incoming.update_id, int) and isinstance(incoming.chat_id, int)
    assert incoming.kind in ("text", "media", "button")
    assert isinstance(incoming.text, str) and incoming.text and len(incoming.text) <= MAX_MESSAGE_CHARS
    assert incoming.conversation_id == f"tg-{incoming.chat_id}"
    assert incoming.language_code is None or isinstance(incoming.language_code, str)
    if incoming.kind == "button":
        assert isinstance(incoming.callback_query_id, str)


@fast
@given(json_values)
def test_any_json_is_an_update_none_or_unusable(data):
    check_outcome(data)


@fast
@given(st.integers(), st.dictionaries(update_keys, telegramish, max_size=6), update_keys)
def test_any_update_shaped_object_is_an_update_none_or_unusable(update_id, body, kind):
    check_outcome({"update_id": update_id, kind: body})


@fast
@given(st.text(max_size=5000) | st.lists(st.sampled_from(["/", " ", "\u3000", "\x00", "start", "x"])).map("".join),
       st.integers(min_value=-10**13, max_value=10**13), st.text(max_size=12))
def test_any_text_from_any_chat_is_read_safely(text, chat_id, language_code):
    incoming = parse_update(text_update(1, text, chat_id=chat_id, language_code=language_code), BOT)
    if incoming is not None:
        assert incoming.chat_id == chat_id and incoming.kind == "text"
        assert not incoming.text.startswith("/") or incoming.text.startswith("/greet")
        json.dumps(incoming.text)  # the gate and Rasa store it as JSON
