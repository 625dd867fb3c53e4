"""The web chat widget on a real stack: greeting, a three-part FAQ answer, quick replies, safety."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from bot.knowledge.base import KnowledgeBase
from bot.settings import PROJECT_ROOT
from channels.web import STATIC_DIR
from tests.browser.pages import (
    bot_messages,
    open_chat,
    send,
    send_and_wait,
    session_id,
    static_site,
    user_messages,
)
from tests.channels.conftest import domain_text
from tests.conftest import free_port
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

    # A number typed instead of a click: one that is no button gets a request for words, never a
    # guess; the number of a button is that button (2: 没解决, the apology and the offer).
    expect(send_and_wait(page, "退款多久到账")).to_contain_text(faq.conclusion)
    expect(bot_messages(page).last.locator(".msg-text")).to_have_text("您的问题是否已解决?还有其他需求吗?")
    expect(send_and_wait(page, "3")).to_have_text(
        domain_text("utter_ask_in_words", "zh").replace("{options}", "已解决 / 没解决"))
    expect(send_and_wait(page, "2").locator(".msg-text")).to_have_text(domain_text("utter_not_solved", "zh"))
    user_texts = [e.get("text") for e in tracker(settings, session_id(page))["events"] if e["event"] == "user"]
    assert user_texts[-1] == "/deny" and "3" not in user_texts, user_texts

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

    # The labels follow the conversation: the same English browser writing Chinese gets Chinese labels.
    expect(send_and_wait(english, "退款多久到账")).to_contain_text(faq.conclusion)
    expect(english.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(english.locator("#chat-send")).to_have_text("发送")
    expect(english.locator("#connection-state")).to_have_text("已连接")
    assert english.locator("#chat-input").get_attribute("placeholder") == "请输入您的问题…"
    assert english.title() == "在线客服"

    # The embedding page names the widget (here a frame's address): the title stays in either language.
    named = open_chat(new_context, settings, locale="en-US", query="?title=优选商城客服")
    expect(named.locator("#chat-title")).to_have_text("优选商城客服")
    assert named.title() == "优选商城客服"
    expect(named.locator("#chat-send")).to_have_text("Send")

    # The server going away shows as reconnecting, not as a silent dead chat.
    rasa = next(service for service in stack.services if service.name == "Rasa server")
    rasa.stop()
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "reconnecting")
    # In the labels' language of each conversation (the English browser's user wrote Chinese last).
    expect(english.locator("#connection-state")).to_have_text("连接中断,正在重连…")
    screenshots.take(page, "reconnecting")


def test_a_page_of_its_own_names_the_widget_and_says_when_the_server_cannot_be_reached(new_context, tmp_path):
    # The widget's files copied to another site, pointed at a port where nothing listens.
    site = tmp_path / "site"
    shutil.copytree(STATIC_DIR, site / "chat")
    page_html = (STATIC_DIR / "chat.html").read_text(encoding="utf-8").replace(
        'data-socket-path="/socket.io"',
        f'data-socket-path="/socket.io" data-socket-url="http://127.0.0.1:{free_port()}" '
        'data-title-zh="优选商城客服" data-title-en="Shop help"')
    (site / "index.html").write_text(page_html, encoding="utf-8")
    with static_site(site) as address:
        chinese = new_context(locale="zh-CN").new_page()
        chinese.goto(f"{address}/index.html")
        expect(chinese.locator("#connection-state")).to_have_attribute("data-state", "failed")
        expect(chinese.locator("#connection-state")).to_have_text("暂时无法连接客服,正在重试…")
        expect(chinese.locator("#chat-title")).to_have_text("优选商城客服")
        assert chinese.locator("#chat-input").get_attribute("placeholder") == "请输入您的问题…"

        english = new_context(locale="en-US").new_page()
        english.goto(f"{address}/index.html")
        expect(english.locator("#connection-state")).to_have_text("Can't reach customer service yet, retrying…")
        expect(english.locator("#chat-title")).to_have_text("Shop help")
        assert english.title() == "Shop help"
