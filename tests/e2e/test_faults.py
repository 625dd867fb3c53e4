"""Faults on a real stack: a dead action server, a Redis restart, duplicate and concurrent messages, load.

Every loop here is bounded in count and time and stops by itself; all traffic stays on loopback.
"""
from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from bot.handoff.outbox import Outbox, OutboxMessage, stream_key
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffStore
from bot.service.tickets import TicketStore
from tests.e2e.conftest import say, tracker

pytestmark = pytest.mark.slow


def post(settings, body: dict, timeout: float = 120) -> tuple:
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def test_a_dead_action_server_gets_an_apology_and_a_person_then_the_bot_is_back(stack, settings):
    assert "您好" in say(settings, "fault-user", "你好")[0]
    stack.service("action server").stop()
    time.sleep(1.1)  # past the channel's one-second health cache
    replies = say(settings, "fault-user", "退款多久到账")
    assert replies[0].startswith("非常抱歉,系统暂时出了点问题"), replies
    assert "工单" in replies[1], replies  # nobody on duty in this test: a call-back ticket, not silence
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    assert [t.tags for t in TicketStore(client).for_conversation("fault-user")] == [("callback", "technical_failure")]

    stack.restart("action server")
    time.sleep(1.1)
    answer = say(settings, "fault-user", "退款多久到账")
    assert "原因" in answer[0] and answer[-1] == "您的问题是否已解决?还有其他需求吗?", answer
    said = [e["text"] for e in tracker(settings, "fault-user")["events"] if e["event"] == "user"]
    assert said == ["你好", "退款多久到账", "退款多久到账"]


def test_a_redis_restart_loses_nothing(stack, settings):
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    AgentPresence(client).touch("alice")
    say(settings, "kept-user", "我要投诉,快递一周了还没到")
    say(settings, "kept-user", "转人工")
    handoff_id = HandoffStore(client).active_handoff("kept-user")
    ticket = TicketStore(client).create("kept-user", "complaint", "normal", "快递没到", due_in=__import__("datetime").timedelta(hours=4))
    # No deliverer reads this channel's stream in this stack: the message must wait, not vanish.
    Outbox(client).publish(OutboxMessage(channel="wechat", conversation_id="wx-kept", text="稍等"))
    client.close()

    stack.embedded_redis.stop()
    stack.embedded_redis.start()

    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    assert HandoffStore(client).get(handoff_id).conversation_id == "kept-user"
    assert TicketStore(client).get(ticket.ticket_id).summary == "快递没到"
    assert client.xlen(stream_key("wechat")) == 1
    said = [e["text"] for e in tracker(settings, "kept-user")["events"] if e["event"] == "user"]
    assert said == ["我要投诉,快递一周了还没到", "转人工"]
    # The running Rasa server reconnects by itself: the next message reaches the handoff transcript.
    assert say(settings, "kept-user", "还在吗") == []
    assert HandoffStore(client).transcript(handoff_id)[-1].text == "还在吗"


def test_concurrent_and_repeated_messages_from_one_user_are_each_processed_once_in_order(stack, settings):
    bodies = [{"sender": "clicker", "message": text, "message_id": f"m{n}"} for n, text in enumerate(["你好", "退款多久到账", "谢谢"])]
    with ThreadPoolExecutor(max_workers=6) as pool:  # each message sent twice at once: a double click
        results = list(pool.map(lambda body: post(settings, body), [b for b in bodies for _ in range(2)]))
    assert all(status == 200 for status, _ in results)
    said = [e["text"] for e in tracker(settings, "clicker")["events"] if e["event"] == "user"]
    assert sorted(said) == sorted(b["message"] for b in bodies)  # each once
    answered = [replies for _, replies in results if replies]
    assert len(answered) == 3  # the duplicates got an empty answer, not a second reply


def test_load_every_message_gets_its_reply(stack, settings):
    conversations, turns = 200, 10
    script = ["你好", "退款多久到账", "没有", "密码怎么改", "解决了", "5", "how do I get an invoice", "yes", "谢谢", "再见"]

    def converse(n: int) -> list[int]:
        counts = [0, 0, 0]  # sent, answered, errors
        for text in script[:turns]:
            counts[0] += 1
            try:
                status, replies = post(settings, {"sender": f"load-{n}", "message": text}, timeout=300)
                counts[1 if status == 200 and replies else 2] += 1
            except Exception:  # noqa: BLE001 - counted, never raised: the figure is the result
                counts[2] += 1
        return counts

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        totals = [sum(c) for c in zip(*pool.map(converse, range(conversations)), strict=False)]
    elapsed = time.monotonic() - started
    print(f"load: sent {totals[0]}, answered {totals[1]}, errors {totals[2]} in {elapsed:.0f}s "
          f"({totals[0] / elapsed:.1f} messages/s)")
    assert totals == [conversations * turns, conversations * turns, 0]
