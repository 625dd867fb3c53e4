"""The WeChat webhook on a real Sanic server and Redis, wechatpy pointed at the local WeChat stand-in.

The bot is a small stand-in too (Rasa's agent is tested end to end in tests/e2e): it records
what it was told and answers through the output channel it is given, as Rasa does.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from rasa.shared.exceptions import RasaException
from sanic import Sanic

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.store import HandoffRecord, HandoffStore
from bot.settings import Settings, SettingsError
from bot.wiring import Wiring
from channels import services as channel_services
from channels.choices import OfferedChoices
from channels.services import ChannelServices
from channels.wechat.channel import WeChatInput, conversation_id, openid_of
from channels.wechat.pushes import MAX_XML_BYTES, parse_xml
from tests.channels.conftest import outage_warnings
from tests.channels.wechat.wechat_support import (
    ACCOUNT,
    AES_KEY,
    APP_ID,
    APP_SECRET,
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    OPENID,
    TOKEN,
    WeChatStandIn,
    decrypt_reply,
    encrypted,
    event_xml,
    signature,
    signed_query,
    text_xml,
    webhook_url,
)
from tests.conftest import serving

CONVERSATION = f"wx-{OPENID}"


class StandInBot:
    """Answers like the assistant would, without a model: enough to exercise the channel."""

    def __init__(self) -> None:
        self.heard: list[UserMessage] = []
        self.slow_seconds = 1.5

    async def handle_message(self, message: UserMessage) -> None:
        self.heard.append(message)
        out, to = message.output_channel, message.sender_id
        text = message.text
        if text == "/greet":
            await out.send_response(to, {"text": "您好,我是智能客服小助手"})
        elif text == "/non_text_message":
            await out.send_response(to, {"text": "抱歉,我暂时只能看懂文字消息"})
        elif text == "slow":
            await asyncio.sleep(self.slow_seconds)
            await out.send_response(to, {"text": "慢慢的回答"})
        elif text == "offer":
            await out.send_response(to, {"text": "需要为您转人工吗?", "buttons": [
                {"title": "好的,转人工", "payload": "/affirm"}, {"title": "不用,继续", "payload": "/deny"}]})
        elif text == "long":
            await out.send_response(to, {"text": "\n\n".join("长" * 300 for _ in range(4))})
        elif text == "two":
            await out.send_response(to, {"text": "第一条"})
            await out.send_response(to, {"text": "第二条"})
        elif text == "crash":
            raise RuntimeError("the bot fell over")
        elif text == "silent":
            return
        elif text == "/handoff_resolved":
            await out.send_response(to, {"text": "人工客服已为您处理完毕"})
            await out.send_response(to, {"text": "需要为您转人工吗?", "buttons": [
                {"title": "好的,转人工", "payload": "/affirm"}, {"title": "不用,继续", "payload": "/deny"}]})
        else:
            await out.send_response(to, {"text": f"收到:{text}"})

    def texts(self) -> list[str]:
        return [m.text for m in self.heard]


@dataclass(frozen=True)
class Answer:
    """The webhook's HTTP answer."""

    status: int
    text: str


class Webhook:
    """A running channel: post pushes to it, see what the bot heard and what reached WeChat."""

    def __init__(self, port: int, bot: StandInBot, channel: WeChatInput, session: aiohttp.ClientSession) -> None:
        self.port = port
        self.bot = bot
        self.channel = channel
        self.session = session

    async def post(self, body, query: dict[str, str] | None = None, content_type: str = "text/xml") -> Answer:
        data = body.encode() if isinstance(body, str) else body
        async with self.session.post(webhook_url(self.port, signed_query() if query is None else query), data=data,
                                     headers={"Content-Type": content_type}) as response:
            return Answer(response.status, (await response.read()).decode(errors="replace"))

    async def say(self, xml: str) -> str:
        """Post a plain-mode push and return the body of the answer."""
        answer = await self.post(xml)
        assert answer.status == 200, answer
        return answer.text

    async def get(self, query: dict[str, str]) -> Answer:
        async with self.session.get(webhook_url(self.port, query)) as response:
            return Answer(response.status, (await response.read()).decode(errors="replace"))


@pytest.fixture
def standin() -> Iterator[WeChatStandIn]:
    running = WeChatStandIn().start()
    yield running
    running.stop()


@pytest.fixture
def start(services: ChannelServices, standin: WeChatStandIn, monkeypatch):
    """``async with start(aes_key=…, reply_seconds=…) as webhook`` — a fresh server each time."""
    # Sanic's test mode lets one process start several apps (it rewrites some methods per app).
    monkeypatch.setattr(Sanic, "test_mode", True)

    @asynccontextmanager
    async def running(aes_key: str = "", reply_seconds: float = 2.0) -> AsyncIterator[Webhook]:
        bot = StandInBot()
        channel = WeChatInput(APP_ID, APP_SECRET, TOKEN, services, aes_key=aes_key, api_base_url=standin.url,
                              reply_seconds=reply_seconds)
        app = Sanic(f"wechat_test_{uuid.uuid4().hex}")
        app.ctx.agent = bot
        register([channel], app, route="/webhooks/")  # as Rasa mounts channels: /webhooks/wechat/
        async with serving(app) as port, aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
            yield Webhook(port, bot, channel, session)

    return running


def reply_content(body: str) -> dict[str, str]:
    fields = parse_xml(body)
    assert (fields["ToUserName"], fields["FromUserName"], fields["MsgType"]) == (OPENID, ACCOUNT, "text")
    return fields


# --- verification and signatures -------------------------------------------------------------


async def test_the_server_verification_echoes_only_with_our_signature(start):
    async with start() as webhook:
        ok = await webhook.get({**signed_query(), "echostr": "8837194732"})
        assert (ok.status, ok.text) == (200, "8837194732")
        assert (await webhook.get({**signed_query(token="not-ours"), "echostr": "1"})).status == 403
        assert (await webhook.get({"echostr": "1"})).status == 403


@pytest.mark.parametrize("aes_key", ["", AES_KEY], ids=["plain", "safe"])
async def test_a_push_without_our_signature_is_forbidden_and_never_reaches_the_bot(start, aes_key):
    async with start(aes_key=aes_key) as webhook:
        assert (await webhook.post(text_xml("你好"), signed_query(token="not-ours"))).status == 403
        assert (await webhook.post(text_xml("你好"), {})).status == 403
        query, body = encrypted(text_xml("你好"))
        assert (await webhook.post(body, {**query, "msg_signature": "0" * 40})).status == (403 if aes_key else 400)
        assert webhook.bot.heard == []


# --- answers ---------------------------------------------------------------------------------


async def test_plain_mode_text_is_answered_passively(start, standin):
    async with start() as webhook:
        fields = reply_content(await webhook.say(text_xml("我的快递到哪了", msg_id="1")))
        assert fields["Content"] == "收到:我的快递到哪了"
        heard = webhook.bot.heard[0]
        assert (heard.sender_id, heard.input_channel, heard.message_id) == (CONVERSATION, "wechat", "1")
        assert standin.sent == []  # nothing went by the API


async def test_all_the_bots_messages_come_back_as_one_reply(start):
    async with start() as webhook:
        assert reply_content(await webhook.say(text_xml("two")))["Content"] == "第一条\n\n第二条"


async def test_safe_mode_is_answered_with_an_encrypted_reply_wechatpy_opens(start):
    async with start(aes_key=AES_KEY) as webhook:
        query, body = encrypted(text_xml("加密的消息", msg_id="2"))
        answer = await webhook.post(body, query)
        assert answer.status == 200
        sealed = answer.text
        assert "收到" not in sealed and "<Encrypt>" in sealed
        assert reply_content(decrypt_reply(sealed, query))["Content"] == "收到:加密的消息"


async def test_a_retried_message_is_answered_once(start):
    async with start() as webhook:
        push = text_xml("你好", msg_id="3")
        assert "收到:你好" in await webhook.say(push)
        assert await webhook.say(push) == "success"
        assert webhook.bot.texts() == ["你好"]


async def test_subscribing_is_greeted_and_a_repeated_event_is_not(start):
    async with start() as webhook:
        push = event_xml("subscribe", created="1700000100")
        assert reply_content(await webhook.say(push))["Content"] == "您好,我是智能客服小助手"
        assert await webhook.say(push) == "success"
        assert webhook.bot.texts() == ["/greet"]


async def test_recognised_voice_is_handled_as_its_text(start):
    async with start() as webhook:
        body = await webhook.say(text_xml("", msg_type="voice", msg_id="4", MediaId="media", Format="amr", Recognition="转人工"))
        assert reply_content(body)["Content"] == "收到:转人工"


@pytest.mark.parametrize("msg_type, extra", [
    ("image", {"PicUrl": "http://example.com/p.jpg", "MediaId": "m"}),
    ("location", {"Location_X": "23.1", "Location_Y": "113.3", "Label": "somewhere"}),
    ("link", {"Title": "t", "Url": "http://example.com"}),
    ("voice", {"MediaId": "m", "Format": "amr"}),
    ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
])
async def test_media_gets_the_polite_request_for_words(start, msg_type, extra):
    async with start() as webhook:
        body = await webhook.say(text_xml("", msg_type=msg_type, msg_id=f"media-{msg_type}", **extra))
        assert reply_content(body)["Content"] == "抱歉,我暂时只能看懂文字消息"
        assert webhook.bot.texts() == ["/non_text_message"]


@pytest.mark.parametrize("xml", [
    event_xml("unsubscribe"), event_xml("CLICK", EventKey="MENU"), event_xml("VIEW", EventKey="http://x"),
    text_xml("", msg_type="miniprogrampage", msg_id="9"), text_xml("", msg_type="something_new", msg_id="10"),
])
async def test_other_events_and_unknown_types_are_acknowledged_quietly(start, xml):
    async with start() as webhook:
        assert await webhook.say(xml) == "success"
        assert webhook.bot.heard == []


async def test_buttons_become_numbers_and_a_typed_number_sends_the_payload(start, redis_client):
    async with start() as webhook:
        content = reply_content(await webhook.say(text_xml("offer", msg_id="11")))["Content"]
        assert content == "需要为您转人工吗?\n1. 好的,转人工\n2. 不用,继续"
        await webhook.say(text_xml("2", msg_id="12"))
        assert webhook.bot.texts()[-1] == "/deny"
        await webhook.say(text_xml("2", msg_id="13"))  # the options were used up by the answer
        assert webhook.bot.texts()[-1] == "2"
        assert redis_client.exists(OfferedChoices.key(CONVERSATION)) == 0


async def test_typed_intent_syntax_reaches_the_bot_as_words(start):
    async with start() as webhook:
        for n, typed in enumerate(("/handoff_resolved", '/complaint{"order_number": "DD2026110500123"}', "/restart")):
            await webhook.say(text_xml(typed, msg_id=f"slash-{n}"))
        assert webhook.bot.texts() == ["handoff_resolved", 'complaint{"order_number": "DD2026110500123"}', "restart"]


async def test_a_conversation_with_a_person_goes_to_the_transcript_not_the_bot(start, redis_client):
    store = HandoffStore(redis_client)
    opened = store.open(HandoffRecord("", CONVERSATION, "wechat", "complaint", "normal", "explicit_request", "…", 1.0), [])
    async with start() as webhook:
        assert await webhook.say(text_xml("我的电话是13812345678", msg_id="14")) == "success"
        assert await webhook.say(text_xml("", msg_type="image", msg_id="15", MediaId="m")) == "success"
        assert webhook.bot.heard == []
        assert [t.text for t in store.transcript(opened.handoff_id)] == ["我的电话是138****5678", "[image]"]


# --- slow, long and failing answers ----------------------------------------------------------


async def test_a_slow_answer_says_success_at_once_then_arrives_by_the_api_exactly_once(start, standin):
    async with start(reply_seconds=0.3) as webhook:
        webhook.bot.slow_seconds = 2.5
        push = text_xml("slow", msg_id="16")
        started = time.monotonic()
        assert await webhook.say(push) == "success"
        assert time.monotonic() - started < 2.0
        # WeChat's retry of the message still being worked on: no second run of the bot.
        assert await webhook.say(push) == "success"
        sent = await asyncio.to_thread(standin.wait_for_sent, 1)
        assert sent == [{"touser": OPENID, "msgtype": "text", "text": {"content": "慢慢的回答"}}]
        await asyncio.sleep(1.5)
        assert len(standin.sent) == 1 and webhook.bot.texts() == ["slow"]


async def test_without_redis_the_answer_is_503_so_wechat_retries_not_a_500(start, embedded_redis, caplog):
    async with start() as webhook:
        embedded_redis.stop()
        with caplog.at_level(logging.WARNING):
            answer = await webhook.post(text_xml("你好", msg_id="21"))
        assert answer.status == 503 and "Traceback" not in answer.text
        assert webhook.bot.heard == []
    [warning] = outage_warnings(caplog.records)
    assert warning.getMessage().startswith("wechat: a message was not handled, Redis unavailable (ConnectionError)")


async def test_a_reply_too_long_for_one_message_arrives_in_pieces(start, standin):
    async with start() as webhook:
        assert await webhook.say(text_xml("long", msg_id="17")) == "success"
        sent = await asyncio.to_thread(standin.wait_for_sent, 2)
        assert "\n\n".join(m["text"]["content"] for m in sent) == "\n\n".join("长" * 300 for _ in range(4))
        assert all(len(m["text"]["content"].encode()) <= 2048 for m in sent)


async def test_a_failing_bot_or_a_silent_one_is_acknowledged(start, standin):
    async with start() as webhook:
        assert await webhook.say(text_xml("crash", msg_id="18")) == "success"
        assert await webhook.say(text_xml("silent", msg_id="19")) == "success"
        await asyncio.sleep(0.3)
        assert standin.sent == []


# --- what arrives through the outbox ---------------------------------------------------------


async def test_an_agents_reply_reaches_the_user_through_the_customer_service_api(start, standin, redis_client):
    async with start() as webhook:
        Outbox(redis_client).publish(OutboxMessage(channel="wechat", conversation_id=CONVERSATION, text="您好,我是客服alice", agent="alice"))
        sent = await asyncio.to_thread(standin.wait_for_sent, 1)
        assert sent == [{"touser": OPENID, "msgtype": "text", "text": {"content": "您好,我是客服alice"}}]
        assert webhook.bot.heard == []


async def test_an_agents_reply_survives_an_expired_token(start, standin, redis_client):
    async with start() as webhook:
        await asyncio.to_thread(webhook.channel.client().message.send_text, OPENID, "warm-up")
        standin.reject_next_send(42001)
        Outbox(redis_client).publish(OutboxMessage(channel="wechat", conversation_id=CONVERSATION, text="稍等", agent="alice"))
        sent = await asyncio.to_thread(standin.wait_for_sent, 2)
        assert [m["text"]["content"] for m in sent] == ["warm-up", "稍等"]
        assert standin.token_requests == 2


async def test_a_hand_back_lets_the_bot_close_the_loop_on_wechat(start, standin, redis_client):
    async with start() as webhook:
        Outbox(redis_client).publish(OutboxMessage(channel="wechat", conversation_id=CONVERSATION, kind="handback", agent="alice", handoff_id="h1"))
        sent = await asyncio.to_thread(standin.wait_for_sent, 2)
        assert [m["text"]["content"] for m in sent] == ["人工客服已为您处理完毕", "需要为您转人工吗?\n1. 好的,转人工\n2. 不用,继续"]
        heard = webhook.bot.heard[0]
        assert (heard.text, heard.sender_id, heard.input_channel) == ("/handoff_resolved", CONVERSATION, "wechat")
        # The user answers the options offered after the hand-back by typing a number.
        await webhook.say(text_xml("1", msg_id="20"))
        assert webhook.bot.texts()[-1] == "/affirm"


def test_the_channel_takes_its_secrets_from_credentials_and_the_rest_from_the_process_wiring(wiring, redis_client):
    environment = {"WECHAT_AES_KEY": AES_KEY, "WECHAT_API_BASE_URL": "http://127.0.0.1:9/cgi-bin/", "WECHAT_REPLY_SECONDS": "3.5"}
    channel_services.install(Wiring(Settings.from_env(environment), redis_client))
    channel = WeChatInput.from_credentials({"app_id": APP_ID, "app_secret": APP_SECRET, "token": TOKEN})
    assert channel.security.crypto is not None and channel.security.token == TOKEN
    assert (channel.api_base_url, channel.reply_seconds, channel.name()) == ("http://127.0.0.1:9/cgi-bin/", 3.5, "wechat")
    assert channel.services.redis is redis_client
    channel_services.install(Wiring(Settings.from_env({}), redis_client))
    assert WeChatInput.from_credentials({"app_id": APP_ID, "app_secret": APP_SECRET, "token": TOKEN}).security.crypto is None
    with pytest.raises(RasaException):
        WeChatInput.from_credentials(None)
    with pytest.raises(ValueError):
        WeChatInput.from_credentials({"app_id": APP_ID, "app_secret": APP_SECRET, "token": ""})


@pytest.mark.parametrize("value", ["soon", "0", "-1", "61"])
def test_a_reply_window_that_makes_no_sense_is_refused_at_start(value):
    with pytest.raises(SettingsError, match="WECHAT_REPLY_SECONDS"):
        Settings.from_env({"WECHAT_REPLY_SECONDS": value})
    assert Settings.from_env({}).wechat_reply_seconds == 4.0


def test_conversation_ids_carry_the_openid():
    assert conversation_id(OPENID) == CONVERSATION and openid_of(CONVERSATION) == OPENID
    for other in ("rest-user", "wx-", OPENID):
        with pytest.raises(ValueError):
            openid_of(other)


# --- bad input -------------------------------------------------------------------------------


BAD_BODIES = {
    "empty": (b"", "text/xml"),
    "malformed": (b"<xml><Content>oops</xml>", "text/xml"),
    "binary": (bytes(range(256)) * 4, "text/xml"),
    "not-wechat-root": (b"<root><MsgType>text</MsgType></root>", "text/xml"),
    "billion-laughs": (BILLION_LAUGHS.encode(), "text/xml"),
    "external-entity": (EXTERNAL_ENTITY.encode(), "text/xml"),
    "huge": (b"<xml><Content>" + b"a" * (MAX_XML_BYTES * 4) + b"</Content></xml>", "text/xml"),
    "json": (b'{"sender": "x", "message": "hi"}', "application/json"),
    "form": (b"a=1&b=2", "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("name", BAD_BODIES)
@pytest.mark.parametrize("aes_key", ["", AES_KEY], ids=["plain", "safe"])
async def test_bad_bodies_get_a_4xx_or_success_never_a_500_or_a_traceback(start, name, aes_key):
    body, content_type = BAD_BODIES[name]
    async with start(aes_key=aes_key) as webhook:
        query = signed_query(encrypt_type="aes", msg_signature="0" * 40) if aes_key else signed_query()
        answer = await webhook.post(body, query, content_type=content_type)
        assert 400 <= answer.status < 500 or (answer.status, answer.text) == (200, "success"), answer
        assert "Traceback" not in answer.text and "Error" not in answer.text
        assert webhook.bot.heard == []


async def test_a_corrupt_ciphertext_with_a_good_signature_is_a_400(start):
    async with start(aes_key=AES_KEY) as webhook:
        query, _ = encrypted(text_xml("x"))
        junk = "bm90IHJlYWxseSBlbmNyeXB0ZWQ="
        query = {**query, "msg_signature": signature(TOKEN, query["timestamp"], query["nonce"], junk)}
        assert (await webhook.post(f"<xml><Encrypt>{junk}</Encrypt></xml>", query)).status == 400
        assert webhook.bot.heard == []


async def test_a_huge_body_without_a_length_is_cut_off_while_it_streams(start):
    async def chunks():
        yield b"<xml><Content>"
        for _ in range(64):
            yield b"a" * 16384
        yield b"</Content></xml>"

    async with start() as webhook:
        async with webhook.session.post(webhook_url(webhook.port, signed_query()), data=chunks(),
                                        headers={"Content-Type": "text/xml"}) as response:
            assert response.status == 413
        assert webhook.bot.heard == []
