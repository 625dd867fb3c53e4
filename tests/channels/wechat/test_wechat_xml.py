"""WeChat's XML, signatures, safe mode and reply rendering: pure functions on recorded-style payloads."""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from channels.choices import Choice
from channels.messages import MAX_MESSAGE_CHARS
from channels.wechat.pushes import GREET, MAX_XML_BYTES, NON_TEXT, BadXml, parse_xml, read_message
from channels.wechat.replies import (
    MAX_TEXT_BYTES,
    fits_one_message,
    render_messages,
    split_text,
    text_reply_xml,
)
from channels.wechat.security import SafeModeError, SignatureError, WeChatSecurity
from tests.channels.wechat.wechat_support import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    OPENID,
    TOKEN,
    decrypt_reply,
    encrypted,
    event_xml,
    signed_query,
    text_xml,
)

# --- parsing ---------------------------------------------------------------------------------


def test_a_text_push_is_read_field_by_field():
    fields = parse_xml(text_xml("你好", msg_id="42").encode())
    assert fields["Content"] == "你好" and fields["MsgId"] == "42" and fields["FromUserName"] == OPENID


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"not xml at all",
        b"<xml><Content>unclosed</xml>",
        b"\xff\xfe\x00\x01binary",
        b"<root><a>1</a></root>",  # not WeChat's root element
        b"<xml>just text</xml>",
        BILLION_LAUGHS.encode(),
        EXTERNAL_ENTITY.encode(),
        b"<!doctype xml><xml><a>1</a></xml>",
        b"<?xml version='1.0'?><! DOCTYPE x><xml/>",
        b"<xml>" + b"<a>1</a>" * (MAX_XML_BYTES // 8 + 1) + b"</xml>",
    ],
    ids=["empty", "blank", "text", "malformed", "binary", "other-root", "no-fields", "billion-laughs",
         "external-entity", "doctype", "spaced-doctype", "too-big"],
)
def test_anything_but_a_flat_wechat_push_is_refused(body):
    with pytest.raises(BadXml):
        parse_xml(body)


def test_the_entity_bomb_is_refused_before_any_expansion():
    started = time.monotonic()
    with pytest.raises(BadXml, match="DOCTYPE"):
        parse_xml(BILLION_LAUGHS)
    assert time.monotonic() - started < 0.5


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes_either_parse_or_raise_bad_xml(body):
    try:
        fields = parse_xml(body)
    except BadXml:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())


_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,11}", fullmatch=True)
_XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"), max_size=80
).map(lambda s: "".join(c for c in s if c in "\t\n\r" or ord(c) >= 0x20))


@settings(max_examples=200)
@given(st.dictionaries(_NAMES, _XML_TEXT, min_size=1, max_size=8))
def test_whatever_is_written_as_cdata_fields_reads_back(fields):
    body = "<xml>" + "".join(
        f"<{k}><![CDATA[{v.replace(']]>', ']]]]><![CDATA[>')}]]></{k}>" for k, v in fields.items()
    ) + "</xml>"
    parsed = parse_xml(body)
    # XML normalises line ends to \n; the parser drops whitespace around a value.
    assert parsed == {k: v.replace("\r\n", "\n").replace("\r", "\n").strip() for k, v in fields.items()}


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_a_reply_carries_any_text_back_unharmed(text):
    parsed = parse_xml(text_reply_xml(OPENID, ACCOUNT, text))
    assert parsed["ToUserName"] == OPENID and parsed["FromUserName"] == ACCOUNT and parsed["MsgType"] == "text"
    expected = "".join(c for c in text if not (ord(c) < 0x20 and c not in "\t\n\r") and c not in "\ufffe\uffff")
    assert parsed["Content"] == expected.replace("\r\n", "\n").replace("\r", "\n").strip()


@settings(max_examples=100)
@given(st.text(min_size=1, max_size=6000))
def test_long_texts_are_cut_into_messages_wechat_accepts_and_nothing_is_lost(text):
    pieces = split_text(text)
    assert all(0 < len(p.encode()) <= MAX_TEXT_BYTES for p in pieces)
    squeeze = lambda s: "".join(s.split())  # noqa: E731 - separators at the cuts are dropped
    assert squeeze("".join(pieces)) == squeeze(text)


# --- what a push means -----------------------------------------------------------------------


def test_a_text_is_passed_on_with_its_msg_id():
    message = read_message(parse_xml(text_xml("  你好  ", msg_id="77")))
    assert (message.text, message.kind, message.message_id, message.openid, message.account) == ("你好", "text", "77", OPENID, ACCOUNT)


def test_a_text_over_the_limit_is_cut_and_marked():
    message = read_message(parse_xml(text_xml("长" * 5000, msg_id="78")))
    assert len(message.text) == MAX_MESSAGE_CHARS and message.truncated
    assert not read_message(parse_xml(text_xml("长" * MAX_MESSAGE_CHARS, msg_id="79"))).truncated


def test_subscribe_greets_and_is_identified_by_sender_and_time():
    message = read_message(parse_xml(event_xml("subscribe", created="1700000001")))
    assert message.text == GREET and message.message_id == f"event-{OPENID}-1700000001"
    # Subscribing by a QR code with a scene is still subscribing.
    assert read_message(parse_xml(event_xml("subscribe", EventKey="qrscene_123"))).text == GREET


def test_voice_is_read_as_its_recognised_text_else_as_non_text():
    assert read_message(parse_xml(text_xml("", msg_type="voice", Recognition="我要退货", MediaId="m"))).text == "我要退货"
    assert read_message(parse_xml(text_xml("", msg_type="voice", MediaId="m"))).text == NON_TEXT
    assert read_message(parse_xml(text_xml("", msg_type="voice", Recognition="", MediaId="m"))).text == NON_TEXT


@pytest.mark.parametrize("msg_type", ["image", "location", "link", "video", "shortvideo"])
def test_media_asks_for_words(msg_type):
    message = read_message(parse_xml(text_xml("", msg_type=msg_type)))
    assert message.text == NON_TEXT and message.note == f"[{msg_type}]"


@pytest.mark.parametrize(
    "xml",
    [
        event_xml("unsubscribe"),
        event_xml("CLICK", EventKey="MENU_1"),
        event_xml("LOCATION"),
        text_xml("", msg_type="miniprogrampage"),
        text_xml("   "),
        text_xml("hi", openid="bad id with spaces"),
        "<xml><MsgType>text</MsgType><Content>no sender</Content></xml>",
    ],
)
def test_everything_else_needs_no_answer(xml):
    assert read_message(parse_xml(xml)) is None


# --- signatures and safe mode ----------------------------------------------------------------


def test_the_signature_must_be_ours():
    security = WeChatSecurity(TOKEN, APP_ID)
    security.verify(signed_query())
    with pytest.raises(SignatureError):
        security.verify(signed_query(token="someone-else"))
    with pytest.raises(SignatureError):
        security.verify({})
    query = signed_query()
    with pytest.raises(SignatureError):
        security.verify({**query, "nonce": query["nonce"] + "x"})
    assert security.echo({**signed_query(), "echostr": "1234"}) == "1234"


def test_safe_mode_opens_wechatpy_messages_and_seals_replies_wechatpy_opens():
    security = WeChatSecurity(TOKEN, APP_ID, AES_KEY)
    query, body = encrypted(text_xml("加密的你好"))
    fields = security.read(query, body.encode())
    assert fields["Content"] == "加密的你好"
    sealed = security.seal(query, text_reply_xml(OPENID, ACCOUNT, "回复"))
    assert "回复" not in sealed
    assert parse_xml(decrypt_reply(sealed, query))["Content"] == "回复"


def test_safe_mode_refuses_forged_or_foreign_messages():
    security = WeChatSecurity(TOKEN, APP_ID, AES_KEY)
    query, body = encrypted(text_xml("hi"))
    with pytest.raises(SignatureError):
        security.read({**query, "msg_signature": "0" * 40}, body.encode())
    other_app = WeChatCrypto(TOKEN, AES_KEY, "wx-another-app")
    envelope = parse_xml(other_app.encrypt_message(text_xml("hi"), query["nonce"], query["timestamp"]))
    foreign = {**query, "msg_signature": envelope["MsgSignature"]}
    with pytest.raises(SafeModeError):
        security.read(foreign, f"<xml><Encrypt>{envelope['Encrypt']}</Encrypt></xml>".encode())
    with pytest.raises(SafeModeError):
        WeChatSecurity(TOKEN, APP_ID).read(query, body.encode())  # no key configured


def test_a_wrong_aes_key_is_a_clear_configuration_error():
    with pytest.raises(ValueError, match="EncodingAESKey"):
        WeChatSecurity(TOKEN, APP_ID, "too-short")


# --- replies ---------------------------------------------------------------------------------


def test_messages_are_joined_and_buttons_numbered():
    rendered = render_messages([
        {"text": "第一段"},
        {"text": "需要为您转人工吗?", "buttons": [{"title": "好的,转人工", "payload": "/affirm"}, {"title": "不用,继续", "payload": "/deny"}]},
        {"image": "https://example.com/a.png"},
    ])
    assert rendered.text == "第一段\n\n需要为您转人工吗?\n1. 好的,转人工\n2. 不用,继续\n\nhttps://example.com/a.png"
    assert rendered.choices == {"1": Choice("好的,转人工", "/affirm"), "2": Choice("不用,继续", "/deny")}
    assert fits_one_message(rendered.text) and not fits_one_message("") and not fits_one_message("中" * 700)


def test_buttons_that_are_numbers_already_are_listed_not_renumbered():
    rendered = render_messages([{"text": "请您打分:", "buttons": [{"title": f"{n} 分", "payload": str(n)} for n in (5, 4, 3, 2, 1)]}])
    assert rendered.text == "请您打分:\n5 分\n4 分\n3 分\n2 分\n1 分" and rendered.choices == {}


