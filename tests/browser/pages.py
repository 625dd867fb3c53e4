"""Small helpers to drive the chat widget like a visitor would, and the console like an agent."""
from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, expect

from bot.ops.stack import Service, service_environment
from bot.settings import Settings
from tests.conftest import free_port


def open_chat(
    new_context: Callable[..., BrowserContext], settings: Settings, locale: str = "zh-CN", query: str = ""
) -> Page:
    """A fresh visitor (own storage) on the widget (``query``: the page address's, e.g. "?lang=en"), connected and ready."""
    context = new_context(locale=locale, viewport={"width": 480, "height": 860})
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{settings.rasa_port}/chat{query}")
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected")
    return page


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def static_site(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a loopback port of its own (a web page of another origin); yield its address."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), functools.partial(_QuietFiles, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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


# The console shows failures in #message-bar (class "error") for a few seconds: keep every one.
RECORD_CONSOLE_ERRORS = """
window.__consoleErrors = [];
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("message-bar");
  if (!bar) return;
  new MutationObserver(() => {
    if (!bar.hidden && bar.classList.contains("error")) window.__consoleErrors.push(bar.textContent);
  }).observe(bar, { attributes: true, childList: true, characterData: true, subtree: true });
});
"""


def log_in_to_console(
    new_context: Callable[..., BrowserContext], port: int, username: str, password: str,
    viewport: dict[str, int] | None = None,
) -> Page:
    """The console page on ``port``, logged in as ``username``; the errors it shows are recorded."""
    context = new_context(locale="zh-CN", viewport=viewport or {"width": 1400, "height": 900})
    page = context.new_page()
    page.add_init_script(RECORD_CONSOLE_ERRORS)
    page.goto(f"http://127.0.0.1:{port}/")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    expect(page.locator("#desk-view")).to_be_visible()
    return page


def console_errors(page: Page) -> list[str]:
    """The error messages the console page has shown so far."""
    return page.evaluate("window.__consoleErrors")


@contextmanager
def running_console(settings: Settings, redis_url: str) -> Iterator[None]:
    """The console process alone on ``redis_url`` (no Rasa), healthy until the block ends."""
    service = Service("agent console", [sys.executable, "-m", "console"],
                      f"http://127.0.0.1:{settings.console_port}/healthz", settings.var_dir / "logs" / "console.log")
    service.start(service_environment(settings, redis_url), settings.project_root)
    try:
        service.wait_healthy(60, threading.Event())
        yield
    finally:
        service.stop()
