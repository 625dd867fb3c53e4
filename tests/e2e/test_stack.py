"""The product as `make run` starts it, talked to over the REST webhook."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request

import psutil
import pytest
import redis

from bot.knowledge.base import KnowledgeBase
from bot.ops.chat import converse
from bot.ops.stack import Stack
from bot.settings import PROJECT_ROOT
from tests.channels.conftest import domain_text
from tests.e2e.conftest import say, tracker

pytestmark = pytest.mark.slow


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stack_processes(stack: Stack) -> list:
    roots = [s.process.pid for s in stack.services if s.process] + [
        stack.embedded_redis._process.pid if stack.embedded_redis and stack.embedded_redis._process else None
    ]
    processes = []
    for pid in filter(None, roots):
        root = psutil.Process(pid)
        processes += [root, *root.children(recursive=True)]
    return processes


def test_a_conversation_in_both_languages_then_a_clean_stop(settings, trained_model, capsys):
    stack = Stack(settings, model=trained_model)
    stack.start()
    try:
        processes = stack_processes(stack)
        assert len(processes) >= 4  # redis, actions, rasa, console

        assert "您好" in say(settings, "zh-user", "你好")[0]
        answer = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq").get("change_password")
        replies = say(settings, "zh-user", "请问密码怎么改")
        zh = answer.answer("zh")
        assert replies[0].startswith(zh.conclusion)
        assert replies[0].index("原因") < replies[0].index("操作步骤") < replies[0].index("1. ")
        assert replies[-1] == "您的问题是否已解决?还有其他需求吗?"

        # A bare number is never guessed: one that is no offered choice gets a request for words,
        # one that is sends that choice (没解决: the apology and the offer to try again or a person).
        assert say(settings, "zh-user", "3") == [domain_text("utter_ask_in_words", "zh").replace("{options}", "已解决 / 没解决")]
        assert say(settings, "zh-user", "2") == [domain_text("utter_not_solved", "zh")]
        user_texts = [e.get("text") for e in tracker(settings, "zh-user")["events"] if e["event"] == "user"]
        assert user_texts[-1] == "/deny" and "3" not in user_texts, user_texts

        # The terminal chat (make shell) lists the buttons and sends a typed number's payload.
        converse(settings.rasa_port, "shell-user", ["请问密码怎么改", "2"])
        shown = capsys.readouterr().out
        assert "  [1] 已解决\n  [2] 没解决" in shown and "  (→ 没解决: /deny)" in shown, shown
        assert f"bot> {domain_text('utter_not_solved', 'zh')}" in shown, shown
        assert "再见" not in shown, shown

        replies = say(settings, "en-user", "how do i change my password")
        assert replies[0].startswith(answer.answer("en").conclusion)
        assert "Steps:" in replies[0] and "\n2. " in replies[0]

        # Over 4,000 characters: cut, and the user is told so before the answer, in their language.
        long_replies = say(settings, "en-user", "how do i change my password? " * 150)
        assert long_replies[0] == domain_text("utter_message_truncated", "en")
        assert long_replies[1].startswith(answer.answer("en").conclusion)

        fallback = say(settings, "en-user", "qwx zzv blorp")
        assert "agent" in fallback[0]

        # Trackers are not kept forever: each expires TRACKER_RETENTION_DAYS after its last event.
        retention = settings.tracker_retention_days * 86400
        ttl = redis.Redis.from_url(stack.redis_url).ttl("cs:tracker:en-user")
        assert retention - 600 < ttl <= retention

        health = urllib.request.urlopen(f"http://127.0.0.1:{settings.console_port}/healthz", timeout=5)
        assert health.status == 200
    finally:
        stack.stop()
    psutil.wait_procs(processes, timeout=5)
    assert [p.pid for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
    for port in (settings.rasa_port, settings.actions_port, settings.console_port, settings.redis_embedded_port):
        assert not port_is_open(port), f"port {port} still open after stop"


def test_the_conversation_survives_a_restart(settings, trained_model):
    first = Stack(settings, model=trained_model)
    first.start()
    try:
        say(settings, "returning-user", "退款多久到账")
    finally:
        first.stop()

    second = Stack(settings, model=trained_model)
    second.start()
    try:
        events = tracker(settings, "returning-user")["events"]
        assert "退款多久到账" in [e.get("text") for e in events if e["event"] == "user"]
        # The bot still knows it just asked whether the problem is solved: it asks for a rating.
        assert say(settings, "returning-user", "解决了")[0].startswith("请您为本次服务打个分")
        assert say(settings, "returning-user", "5")[0].startswith("感谢您的评价")
    finally:
        second.stop()


def test_the_rasa_http_api_needs_the_token(stack, settings):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"http://127.0.0.1:{settings.rasa_port}/conversations/x/tracker", timeout=10)
    assert error.value.code == 401
