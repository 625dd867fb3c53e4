"""The console restarted under a logged-in agent: the page reconnects, nothing is lost."""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest
import redis
from playwright.sync_api import BrowserContext, Page, Route, expect

from bot.handoff.store import HandoffStore
from bot.ops.stack import Stack
from bot.settings import Settings
from console.users import UserStore
from tests.browser.pages import console_errors, log_in_to_console
from tests.e2e.conftest import say

pytestmark = pytest.mark.slow

AGENT, PASSWORD = "carol", "carol-test-password"
NOTE = "重启前的备注:客户已提供订单号"
CONSOLE = "agent console"


@pytest.fixture
def client(stack: Stack) -> Iterator[redis.Redis]:
    """A client of the stack's Redis, with the agent added."""
    connection = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    UserStore(connection).add(AGENT, PASSWORD, "agent")
    yield connection
    connection.close()


def open_console(new_context: Callable[..., BrowserContext], settings: Settings) -> Page:
    """The console page, logged in, its live stream connected; marked so a reload would show."""
    page = log_in_to_console(new_context, settings.console_port, AGENT, PASSWORD)
    expect(page.locator("#live-status")).to_have_class("live on")
    page.evaluate("window.__sameDocument = true")
    return page


def hand_over(settings: Settings, client: redis.Redis, sender: str) -> str:
    """A customer on REST asks for a person; the id of the handoff that opens."""
    replies = say(settings, sender, "转人工")
    assert any("您目前排在第" in reply for reply in replies), replies
    handoff_id = HandoffStore(client).active_handoff(sender)
    assert handoff_id, f"no handoff opened for {sender}"
    return handoff_id


def claim_with_a_note(page: Page, handoff_id: str) -> None:
    """Select the queued handoff, claim it and save an internal note, as the agent would."""
    page.locator(f"[data-testid=queue-item][data-handoff-id='{handoff_id}']").click()
    page.locator("#claim").click()
    expect(page.locator("#claim")).to_be_hidden()
    page.locator("#note-text").fill(NOTE)
    page.locator("#note-save").click()
    expect(page.locator("[data-testid=transcript-turn]").filter(has_text=NOTE)).to_have_count(1)


def console_down(settings: Settings, timeout: float = 30.0) -> None:
    """Wait until the console stops answering (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{settings.console_port}/healthz", timeout=1):
                pass
        except (urllib.error.URLError, ConnectionError, OSError):
            return
        time.sleep(0.05)
    raise AssertionError("the console did not go down")


def token_works(page: Page) -> int:
    """The status of /api/me called with the page's own session token."""
    return page.evaluate(
        """() => fetch('/api/me', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('console.token')}})
                 .then((response) => response.status)"""
    )


def assert_nothing_lost(page: Page, before: str, after: str) -> None:
    """Both handoffs on the page without a reload, the session still valid, the note still there."""
    expect(page.locator(f"[data-testid=queue-item][data-handoff-id='{after}']")).to_have_count(1)
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    expect(page.locator("#login-view")).to_be_hidden()
    assert token_works(page) == 200
    page.locator(f"[data-testid=queue-item][data-handoff-id='{after}']").click()
    page.locator("#claim").click()  # an action with the pre-restart token
    expect(page.locator("#claim")).to_be_hidden()
    mine = page.locator(f"[data-testid=mine-item][data-handoff-id='{before}']")
    expect(mine).to_have_count(1)
    mine.click()
    turns = page.locator("[data-testid=transcript-turn]")
    expect(turns.filter(has_text=NOTE)).to_have_count(1)
    expect(page.locator("[data-testid=transcript-turn][data-role=user]").filter(has_text="转人工")).to_have_count(1)
    assert console_errors(page) == [], "the console showed the agent an error"


def test_the_page_reconnects_after_a_console_restart_and_shows_what_happened_meanwhile(
    stack, settings, client, new_context, screenshots
):
    page = open_console(new_context, settings)
    before = hand_over(settings, client, "restart-before")
    claim_with_a_note(page, before)

    restart = threading.Thread(target=stack.restart, args=(CONSOLE,))
    restart.start()
    try:
        console_down(settings)
        expect(page.locator("#live-status")).to_have_class("live off")
        # While the console is down or starting again, a second customer asks for a person.
        after = hand_over(settings, client, "restart-after")
    finally:
        restart.join(timeout=200)
    assert not restart.is_alive(), "the console did not come back"

    expect(page.locator("#live-status")).to_have_class("live on")
    assert_nothing_lost(page, before, after)
    screenshots.take(page, "console-after-restart")


def test_a_stream_refused_by_a_proxy_during_the_restart_is_reopened_without_missing_anything(
    stack, settings, client, new_context
):
    """A balancer in front answers 502 while the console is away: the browser gives the stream up
    (no Last-Event-ID for a new one), so the page must reopen it and fetch what it missed."""
    page = open_console(new_context, settings)
    before = hand_over(settings, client, "proxied-before")
    claim_with_a_note(page, before)

    refusing = threading.Event()
    refusing.set()
    refused = [0]

    def proxy(route: Route) -> None:
        if refusing.is_set():
            refused[0] += 1
            route.fulfill(status=502, body="bad gateway")
        else:
            route.continue_()

    page.route("**/api/stream*", proxy)
    stack.restart(CONSOLE)
    expect(page.locator("#live-status")).to_have_class("live off")
    after = hand_over(settings, client, "proxied-after")
    # Let the page be refused once more after the handoff opened, so it cannot have seen it live.
    seen, deadline = refused[0], time.monotonic() + 30
    while refused[0] <= seen and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # Playwright answers the page's requests only inside its calls
    assert refused[0] > seen, "the page stopped trying to reopen its live stream"
    expect(page.locator(f"[data-testid=queue-item][data-handoff-id='{after}']")).to_have_count(0)
    refusing.clear()

    expect(page.locator("#live-status")).to_have_class("live on")
    assert_nothing_lost(page, before, after)
