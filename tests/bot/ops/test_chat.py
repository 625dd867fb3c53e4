"""The terminal chat: buttons listed with numbers, a typed number sends that button's payload.

The chat's loop talks HTTP to a stand-in of the REST webhook here; against the real stack it
is driven in tests/e2e/test_stack.py.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bot.ops.chat import chosen, converse, render
from channels.choices import Choice

ASK_RESOLVED = {"text": "您的问题是否已解决?还有其他需求吗?", "buttons": [
    {"title": "已解决", "payload": "/affirm"}, {"title": "没解决", "payload": "/deny"}]}
RATING = {"text": "请您打分", "buttons": [{"title": f"{n} 分", "payload": str(n)} for n in (5, 4, 3)]}


def test_buttons_are_numbered_across_a_turns_replies():
    shown, choices = render([{"text": "答案"}, ASK_RESOLVED])
    assert shown == ["答案", "您的问题是否已解决?还有其他需求吗?\n  [1] 已解决\n  [2] 没解决"]
    assert choices == {"1": Choice("已解决", "/affirm"), "2": Choice("没解决", "/deny")}
    assert chosen("2", choices) == Choice("没解决", "/deny") and chosen("２.", choices) == Choice("没解决", "/deny")
    assert chosen("3", choices) is None and chosen("没解决", choices) is None


def test_buttons_that_are_numbers_are_listed_by_their_own_number_and_not_mapped():
    shown, choices = render([RATING, {"text": "", "buttons": [{"title": "转人工", "payload": "转人工"}]}])
    assert shown == ["请您打分\n  [5] 5 分\n  [4] 4 分\n  [3] 3 分", "  - 转人工"]
    assert choices == {} and chosen("5", choices) is None


class Webhook(BaseHTTPRequestHandler):
    """The REST webhook's stand-in: "offer" gets the 是否已解决 buttons, anything else an echo."""

    heard: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        message = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["message"]
        self.heard.append(message)
        replies = [ASK_RESOLVED] if message == "offer" else [{"text": f"收到:{message}"}]
        body = json.dumps(replies, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[int, list[str]]]:
    Webhook.heard = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], Webhook.heard
    server.shutdown()
    server.server_close()


def test_typing_a_listed_number_sends_its_payload_and_says_so(webhook, capsys):
    port, heard = webhook
    converse(port, "shell-test", ["offer", "2", "2", "  ", "/quit", "never sent"])
    assert heard == ["offer", "/deny", "2"]  # the second "2": nothing was listed any more
    out = capsys.readouterr().out
    assert "  [2] 没解决" in out
    assert "  (→ 没解决: /deny)" in out and "bot> 收到:/deny" in out and "bot> 收到:2" in out
