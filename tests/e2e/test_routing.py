"""Routing on the real stack: an English handoff reaches the English-speaking agent first."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
import redis

from bot.handoff.store import HandoffStore
from console.users import UserStore
from tests.e2e.conftest import say

pytestmark = pytest.mark.slow

PASSWORD = "routing-test-password"
FALLBACK_SECONDS = 12


def call(port: int, method: str, path: str, token: str = "", body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def short_fallback(monkeypatch):
    """Handoffs fall back to every online agent after a few seconds (the stack's children read it)."""
    monkeypatch.setenv("ROUTING_FALLBACK_SECONDS", str(FALLBACK_SECONDS))


def test_an_english_handoff_reaches_the_english_speaking_agent_first(short_fallback, stack, settings):
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    users = UserStore(client)
    users.add("emma", PASSWORD, "agent", "Emma", ["en"])
    users.add("li", PASSWORD, "agent", "小李")  # no languages named: Chinese, the default
    port = settings.console_port
    tokens = {}
    for name in ("emma", "li"):
        status, body = call(port, "POST", "/api/login", body={"username": name, "password": PASSWORD})
        assert status == 200, body
        tokens[name] = body["token"]

    replies = say(settings, "en-user", "I want to talk to an agent please")
    assert any("number 1 in line" in reply for reply in replies), replies
    handoff_id = HandoffStore(client).active_handoff("en-user")
    assert handoff_id and HandoffStore(client).get(handoff_id).language == "en"

    _, emma_view = call(port, "GET", "/api/handoffs", tokens["emma"])
    assert [(row["handoff_id"], row["routing"]["reason"]) for row in emma_view["queue"]] == [
        (handoff_id, "speaks_language")]
    _, li_view = call(port, "GET", "/api/handoffs", tokens["li"])
    assert li_view["queue"] == [] and li_view["not_offered"] == 1
    status, refused = call(port, "POST", f"/api/handoffs/{handoff_id}/claim", tokens["li"])
    assert status == 403 and "speak en" in refused["error"]

    # After the fallback wait the Chinese-speaking agent sees it too, with the reason.
    deadline = time.monotonic() + FALLBACK_SECONDS + 20
    while True:
        call(port, "GET", "/api/me", tokens["emma"])  # emma stays at her desk
        _, li_view = call(port, "GET", "/api/handoffs", tokens["li"])
        if li_view["queue"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert [(row["handoff_id"], row["routing"]["reason"]) for row in li_view["queue"]] == [(handoff_id, "waited")]
    status, claimed = call(port, "POST", f"/api/handoffs/{handoff_id}/claim", tokens["li"])
    assert status == 200 and claimed["handoff"]["agent"] == "li"
    client.close()
