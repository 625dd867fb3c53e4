"""A conversation handed to a person and back, through the real stack's REST channel."""
from __future__ import annotations

import time

import pytest
import redis

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffStore
from tests.e2e.conftest import say, tracker

pytestmark = pytest.mark.slow


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_a_user_is_handed_to_an_agent_and_back_with_the_history_whole(stack, settings):
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    AgentPresence(client).touch("alice")
    store = HandoffStore(client)

    say(settings, "rest-user", "快递一周了还没到")
    replies = say(settings, "rest-user", "转人工")
    assert any("您目前排在第1位" in r for r in replies), replies
    handoff_id = store.active_handoff("rest-user")
    record = store.get(handoff_id)
    assert (record.channel, record.reason, record.status) == ("rest", "explicit_request", "queued")
    assert [t.text for t in store.transcript(handoff_id) if t.role == "user"] == ["快递一周了还没到", "转人工"]

    # While the conversation waits for a person, the bot is silent and the agent sees everything.
    assert say(settings, "rest-user", "我的电话是13812345678,请尽快") == []
    assert store.transcript(handoff_id)[-1].text == "我的电话是138****5678,请尽快"

    store.claim(handoff_id, "alice")
    store.append(handoff_id, "agent", "您好,我是客服alice,正在为您查询", agent="alice")
    outbox = Outbox(client)
    outbox.publish(OutboxMessage(channel="rest", conversation_id="rest-user", text="您好,我是客服alice,正在为您查询", agent="alice", handoff_id=handoff_id))
    wait_for(lambda: client.llen("cs:rest:inbox:rest-user"))
    assert say(settings, "rest-user", "好的谢谢") == ["您好,我是客服alice,正在为您查询"]

    resolved = store.resolve(handoff_id)
    agent_turns = [{"text": t.text, "at": t.at, "agent": t.agent} for t in store.transcript(handoff_id) if t.role == "agent"]
    outbox.publish(OutboxMessage(channel="rest", conversation_id="rest-user", kind="handback", agent="alice",
                                 handoff_id=resolved.handoff_id, turns=agent_turns))
    wait_for(lambda: client.llen("cs:rest:inbox:rest-user"))
    back = say(settings, "rest-user", "嗯")
    assert back[0].startswith("人工客服已为您处理完毕"), back
    assert any(text.startswith("请您为本次服务打个分") for text in back), back

    events = tracker(settings, "rest-user")["events"]
    agent_events = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("agent") == "alice"]
    assert [e["text"] for e in agent_events] == ["您好,我是客服alice,正在为您查询"]
    assert store.state("rest-user") == "bot"
    assert say(settings, "rest-user", "5")[0].startswith("感谢您的评价")


def test_bad_requests_get_a_clear_400_not_a_500(stack, settings):
    import json
    import urllib.error
    import urllib.request

    url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook"
    for body in (b"not json", b"[1,2]", json.dumps({"sender": "x"}).encode(), json.dumps({"sender": "", "message": "hi"}).encode(),
                 json.dumps({"sender": "x", "message": 42}).encode(), b"\xff\xfe\x00"):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)
        assert error.value.code == 400, body
        assert "error" in json.loads(error.value.read())
    # A message delivered twice (a retry) is answered once.
    first = urllib.request.Request(url, data=json.dumps({"sender": "dup", "message": "你好", "message_id": "m-1"}).encode(),
                                   headers={"Content-Type": "application/json"})
    assert json.loads(urllib.request.urlopen(first, timeout=30).read())
    again = urllib.request.Request(url, data=json.dumps({"sender": "dup", "message": "你好", "message_id": "m-1"}).encode(),
                                   headers={"Content-Type": "application/json"})
    assert json.loads(urllib.request.urlopen(again, timeout=30).read()) == []


def test_a_question_sent_as_the_agent_hands_back_is_answered_not_eaten_as_a_rating(stack, settings):
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    AgentPresence(client).touch("alice")
    store = HandoffStore(client)
    say(settings, "quick-user", "转人工")
    handoff_id = store.active_handoff("quick-user")
    store.claim(handoff_id, "alice")
    resolved = store.resolve(handoff_id)
    Outbox(client).publish(OutboxMessage(channel="rest", conversation_id="quick-user", kind="handback", agent="alice",
                                         handoff_id=resolved.handoff_id, turns=[]))
    wait_for(lambda: client.llen("cs:rest:inbox:quick-user"))  # the bot has welcomed the user back, asked for a rating
    replies = say(settings, "quick-user", "退款多久到账")
    assert not any(text.startswith("请回复1到5") for text in replies), replies
    assert any("原因" in text for text in replies), replies  # the FAQ's answer, in three parts
    said = [e["text"] for e in tracker(settings, "quick-user")["events"] if e["event"] == "user"]
    assert said[-1] == "退款多久到账"
