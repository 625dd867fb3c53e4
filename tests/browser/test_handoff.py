"""The handoff as people live it: a customer in the widget, an agent on the console page."""
from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from playwright.sync_api import BrowserContext, Page, expect

from bot.settings import Settings
from console.users import UserStore
from tests.browser.pages import (
    agent_messages,
    bot_messages,
    log_in_to_console,
    open_chat,
    send,
    send_and_wait,
    user_messages,
)

pytestmark = pytest.mark.slow

AGENT, PASSWORD = "alice", "alice-test-password"
GREETING = "您好,我是客服alice,正在为您查询退款进度"


def open_console(new_context: Callable[..., BrowserContext], settings: Settings) -> Page:
    """The agent console page, logged in as alice (logging in marks her online)."""
    return log_in_to_console(new_context, settings.console_port, AGENT, PASSWORD)


def test_a_customer_is_handed_to_an_agent_and_back(stack, settings, new_context, screenshots):
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    try:
        UserStore(client).add(AGENT, PASSWORD, "agent")
    finally:
        client.close()

    console = open_console(new_context, settings)
    queue = console.locator("[data-testid=queue-item]")
    expect(queue).to_have_count(0)
    screenshots.take(console, "console-empty-queue")

    chat = open_chat(new_context, settings)
    send_and_wait(chat, "退款多久到账")
    expect(bot_messages(chat).last).to_contain_text("您的问题是否已解决")
    expect(send_and_wait(chat, "转人工")).to_contain_text("您目前排在第1位")
    screenshots.take(chat, "widget-queued")

    # The handoff appears on the console without a reload.
    expect(queue).to_have_count(1)
    screenshots.take(console, "console-queued")
    queue.first.click()
    turns = console.locator("[data-testid=transcript-turn]")
    expect(turns.filter(has_text="转人工")).to_have_count(1)
    expect(turns.filter(has_text="退款多久到账")).to_have_count(1)
    expect(console.locator("#claim")).to_be_visible()
    assert console.evaluate("window.__consoleErrors") == [], "the console showed the agent an error"
    screenshots.take(console, "console-handoff-opened", docs_name="console.png")
    console.locator("#claim").click()
    expect(console.locator("#claim")).to_be_hidden()
    expect(console.locator("#reply-text")).to_be_visible()
    screenshots.take(console, "console-claimed")

    # While the agent has the conversation, what the user writes reaches the console live.
    replies = bot_messages(chat).count()
    send(chat, "好的,我等一下")
    expect(turns.filter(has_text="好的,我等一下")).to_have_count(1)

    console.locator("#reply-text").fill(GREETING)
    console.locator("#reply-send").click()
    expect(agent_messages(chat)).to_have_count(1)
    expect(agent_messages(chat).first).to_contain_text(GREETING)
    expect(chat.locator("#agent-banner")).to_be_visible()
    expect(chat.locator("#agent-banner")).to_have_text("已接入人工客服 alice")
    assert bot_messages(chat).count() == replies  # the bot stayed silent
    expect(turns.filter(has_text=GREETING)).to_have_count(1)
    screenshots.take(console, "console-replied")
    screenshots.take(chat, "widget-with-agent", docs_name="web-widget.png")
    assert console.evaluate("window.__consoleErrors") == [], "the console showed the agent an error"

    # The agent resolves: the bot welcomes the user back and asks for a rating.
    console.locator("#resolve").click()
    expect(console.locator("#reply-box")).to_be_hidden()
    screenshots.take(console, "console-resolved")
    assert console.evaluate("window.__consoleErrors") == [], "the console showed the agent an error"
    expect(bot_messages(chat).filter(has_text="人工客服已为您处理完毕")).to_have_count(1)
    expect(chat.locator("#agent-banner")).to_be_hidden()
    expect(bot_messages(chat).last).to_contain_text("请您为本次服务打个分")
    expect(chat.locator("[data-testid=quick-reply]")).to_have_count(5)
    screenshots.take(chat, "widget-handed-back")
    chat.locator("[data-testid=quick-reply]", has_text="5").first.click()
    expect(user_messages(chat).last).to_have_text("5 非常满意")
    expect(bot_messages(chat).last).to_contain_text("感谢您的评价")
