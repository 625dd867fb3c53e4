"""Small helpers to drive the chat widget like a visitor would."""
from __future__ import annotations

from typing import Callable

from playwright.sync_api import BrowserContext, Locator, Page, expect

from bot.settings import Settings


def open_chat(new_context: Callable[..., BrowserContext], settings: Settings, locale: str = "zh-CN") -> Page:
    """A fresh visitor (own storage) on the widget, connected and ready."""
    context = new_context(locale=locale, viewport={"width": 480, "height": 860})
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{settings.rasa_port}/chat")
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected")
    return page


def send(page: Page, text: str) -> None:
    """Type ``text`` and press the send button."""
    page.locator("#chat-input").fill(text)
    page.locator("#chat-send").click()


def bot_messages(page: Page) -> Locator:
    return page.locator("[data-testid=msg-bot]")


def user_messages(page: Page) -> Locator:
    return page.locator("[data-testid=msg-user]")


def agent_messages(page: Page) -> Locator:
    return page.locator("[data-testid=msg-agent]")


def send_and_wait(page: Page, text: str) -> Locator:
    """Send ``text`` and wait for the bot's first reply to it; return that reply."""
    before = bot_messages(page).count()
    send(page, text)
    reply = bot_messages(page).nth(before)
    expect(reply).to_be_visible()
    return reply


def session_id(page: Page) -> str:
    """The conversation id the widget keeps for this visitor."""
    return page.locator("#chat").get_attribute("data-session-id") or ""
