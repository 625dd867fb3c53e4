"""The routed queue on the console page: why a handoff is in my list, and my languages.

Only Redis and the console are needed: the console runs as its own process on the test's
embedded Redis, where the handoffs are opened as the action server would.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import expect

from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffRecord, HandoffStore, Turn
from bot.settings import Settings
from console.users import UserStore
from tests.browser.pages import console_errors, log_in_to_console, running_console

pytestmark = pytest.mark.slow

PASSWORD = "password-123"
CHEAP = 2 ** 8


def open_handoff(store: HandoffStore, conversation_id: str, language: str, summary: str,
                 priority_reasons: tuple[str, ...] = ()) -> str:
    record = HandoffRecord(
        handoff_id="", conversation_id=conversation_id, channel="rest", category="inquiry",
        priority="high" if priority_reasons else "normal", priority_reasons=list(priority_reasons),
        reason="explicit_request", summary=summary, created_at=time.time(), language=language,
    )
    return store.open(record, [Turn("user", summary, time.time())]).handoff_id


@pytest.fixture
def console(settings: Settings, embedded_redis) -> Iterator[Settings]:
    """The console process on the test's Redis; emma speaks English, li names no language (Chinese)."""
    client = redis.Redis.from_url(embedded_redis.url, decode_responses=True)
    try:
        users = UserStore(client, cost=CHEAP)
        users.add("emma", PASSWORD, "agent", "Emma", ["en"])
        users.add("li", PASSWORD, "agent", "小李")
        presence = AgentPresence(client)  # both at their desks already
        presence.touch("emma", ["en"])
        presence.touch("li", [])
        store = HandoffStore(client)
        open_handoff(store, "en-user", "en", "I want to talk to a person")
        open_handoff(store, "zh-user", "zh", "转人工", ("regulator_or_press_threat",))
    finally:
        client.close()
    with running_console(settings, embedded_redis.url):
        yield settings


def test_each_agent_sees_why_a_handoff_is_in_their_queue_and_can_change_their_languages(console, new_context, screenshots):
    emma = log_in_to_console(new_context, console.console_port, "emma", PASSWORD)
    queue = emma.locator("[data-testid=queue-item]")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("I want to talk to a person")
    expect(queue.first.locator("[data-testid=queue-routing]")).to_have_text(
        "您会说用户的语言 You speak the user's language · 英文 English")
    expect(emma.locator("[data-testid=queue-not-offered]")).to_contain_text("1 个在等会说其他语言的同事")

    li = log_in_to_console(new_context, console.console_port, "li", PASSWORD)
    queue = li.locator("[data-testid=queue-item]")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("转人工")
    expect(queue.first.locator("[data-testid=priority-reason]")).to_have_text(
        "扬言投诉监管或媒体 Threat to go to a regulator or the press")
    expect(li.locator("[data-testid=my-languages]")).to_have_text("中文 Chinese")
    screenshots.take(li, "console-routed-queue")

    # li says she speaks English too: the English handoff joins her queue.
    li.once("dialog", lambda dialog: dialog.accept("zh,en"))
    li.locator("[data-testid=my-languages]").click()
    expect(li.locator("[data-testid=my-languages]")).to_have_text("中文 Chinese, 英文 English")
    expect(queue).to_have_count(2)
    expect(li.locator("[data-testid=queue-not-offered]")).to_be_hidden()
    assert console_errors(emma) == [] and console_errors(li) == []
