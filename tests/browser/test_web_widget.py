"""The web chat widget on a real stack: greeting, a three-part FAQ answer, quick replies, safety."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bot.knowledge.base import KnowledgeBase
from bot.settings import PROJECT_ROOT
from tests.browser.pages import bot_messages, open_chat, send, send_and_wait, session_id, user_messages
from tests.e2e.conftest import tracker

pytestmark = pytest.mark.slow

HOSTILE = '<img src=x onerror="window.__xss=1">'


def test_a_customer_asks_the_bot_in_the_widget(stack, settings, new_context, screenshots):
    page = open_chat(new_context, settings)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#chat-send")).to_have_text("发送")
    expect(page.locator("#agent-banner")).to_be_hidden()

    expect(send_and_wait(page, "你好")).to_contain_text("您好")

    # The FAQ answer: conclusion, then the reason, then numbered steps, each step on its own line.
    faq = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq").get("refund_time").answer("zh")
    answer = send_and_wait(page, "退款多久到账").locator(".msg-text")
    text = answer.text_content() or ""
    assert text.startswith(faq.conclusion), text
    assert text.index("原因") < text.index("1. ") and "\n1. " in text and "\n2. " in text, text
    assert answer.evaluate("node => getComputedStyle(node).whiteSpace") == "pre-wrap"
    rendered_lines = answer.evaluate(
        "node => Math.round(node.getBoundingClientRect().height / parseFloat(getComputedStyle(node).lineHeight))"
    )
    assert rendered_lines >= 2 + len(faq.steps), rendered_lines
    expect(bot_messages(page).last.locator(".msg-text")).to_have_text("您的问题是否已解决?还有其他需求吗?")
    screenshots.take(page, "faq-answer")

    # Quick replies: a click shows the title and sends the payload (closure, then the rating).
    buttons = page.locator("[data-testid=quick-reply]")
    expect(buttons).to_have_count(2)
    buttons.filter(has_text="已解决").click()
    expect(user_messages(page).last).to_have_text("已解决")
    expect(bot_messages(page).last).to_contain_text("请您为本次服务打个分")
    expect(buttons).to_have_count(5)
    buttons.filter(has_text="5 非常满意").click()
    expect(user_messages(page).last).to_have_text("5 非常满意")
    expect(buttons).to_have_count(0)
    expect(bot_messages(page).last).to_contain_text("感谢您的评价")
    screenshots.take(page, "rated")
    user_texts = [e.get("text") for e in tracker(settings, session_id(page))["events"] if e["event"] == "user"]
    assert user_texts[-1] == "5", user_texts

    # Markup in a message is text, never HTML.
    replies = bot_messages(page).count()
    send(page, HOSTILE)
    expect(user_messages(page).last).to_have_text(HOSTILE)
    expect(bot_messages(page).nth(replies)).to_be_visible()  # the bot has answered it
    assert page.locator("#messages img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    screenshots.take(page, "markup-as-text")

    # A reload keeps the conversation: the same session id and the same messages on screen.
    shown = page.locator("#messages > li").all_text_contents()
    conversation = session_id(page)
    page.reload()
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected")
    assert session_id(page) == conversation
    assert page.locator("#messages > li").all_text_contents() == shown
    assert page.evaluate("typeof window.__xss") == "undefined"

    # An English browser gets English labels, and the bot answers in English.
    english = open_chat(new_context, settings, locale="en-US")
    expect(english.locator("html")).to_have_attribute("lang", "en")
    expect(english.locator("#chat-send")).to_have_text("Send")
    expect(english.locator("#connection-state")).to_have_text("Connected")
    assert english.locator("#chat-input").get_attribute("placeholder") == "Type your question…"
    expect(send_and_wait(english, "how do i change my password")).to_contain_text("Steps:")
    screenshots.take(english, "english")

    # The server going away shows as reconnecting, not as a silent dead chat.
    rasa = next(service for service in stack.services if service.name == "Rasa server")
    rasa.stop()
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#connection-state")).to_have_text("连接中断,正在重连…")
    screenshots.take(page, "reconnecting")
