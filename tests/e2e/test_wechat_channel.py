"""A WeChat user in safe mode, through the real stack, with wechatpy pointed at the local WeChat stand-in."""
from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.settings import PROJECT_ROOT
from channels.wechat.pushes import parse_xml
from tests.channels.wechat.wechat_support import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    OPENID,
    TOKEN,
    WeChatStandIn,
    decrypt_reply,
    encrypted,
    event_xml,
    text_xml,
    webhook_url,
)
from tests.e2e.conftest import tracker

pytestmark = pytest.mark.slow


@pytest.fixture
def wechat_api(monkeypatch) -> Iterator[WeChatStandIn]:
    """The WeChat stand-in, and the channel's secrets in the environment (before the stack starts)."""
    standin = WeChatStandIn().start()
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_AES_KEY", AES_KEY)
    monkeypatch.setenv("WECHAT_API_BASE_URL", standin.url)
    # A first message on a cold server may take more than WeChat's 4 s: this test wants the passive reply.
    monkeypatch.setenv("WECHAT_REPLY_SECONDS", "30")
    yield standin
    standin.stop()


def greeting_zh() -> str:
    domain = yaml.safe_load(Path(PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return next(v["text"] for v in domain["responses"]["utter_greet"] if not v.get("condition"))


def post_encrypted(port: int, xml: str) -> str:
    """Post a safe-mode push as WeChat would and return the decrypted passive reply's text."""
    query, body = encrypted(xml)
    request = urllib.request.Request(webhook_url(port, query), data=body.encode(), headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=60) as response:
        sealed = response.read().decode()
    assert sealed != "success", "the bot did not answer within the passive window"
    return parse_xml(decrypt_reply(sealed, query))["Content"]


def test_a_wechat_user_is_greeted_in_safe_mode_and_reached_by_an_agent(wechat_api, stack, settings):
    port = settings.rasa_port
    greeting = greeting_zh()

    assert post_encrypted(port, event_xml("subscribe", created="1700000000")).startswith(greeting)
    assert post_encrypted(port, text_xml("你好", msg_id="24000000001")).startswith(greeting)
    events = tracker(settings, f"wx-{OPENID}")["events"]
    assert {e.get("input_channel") for e in events if e["event"] == "user"} == {"wechat"}

    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    Outbox(client).publish(OutboxMessage(channel="wechat", conversation_id=f"wx-{OPENID}", text="您好,我是客服alice", agent="alice"))
    sent = wechat_api.wait_for_sent(1, timeout=30)
    assert sent == [{"touser": OPENID, "msgtype": "text", "text": {"content": "您好,我是客服alice"}}]

    health = urllib.request.urlopen(f"http://127.0.0.1:{port}/webhooks/wechat/", timeout=10)
    assert json.loads(health.read()) == {"status": "ok"}
