"""A stock Rasa widget on the real stack: rasa-webchat 1.0.1, as the npm registry has it.

Its bundle is fetched by the test set-up (conftest.rasa_webchat_bundle), put on a static page of
its own origin, and pointed at the Rasa server's socket.io endpoint, as docs/web-widget.md says.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from bot.knowledge.base import KnowledgeBase
from bot.settings import PROJECT_ROOT, Settings
from tests.browser.pages import static_site
from tests.channels.conftest import domain_text
from tests.e2e.conftest import tracker

pytestmark = pytest.mark.slow

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>rasa-webchat</title></head>
<body>
<div id="webchat"></div>
<script src="index.js"></script>
<script>
  WebChat.default({
    selector: "#webchat",
    initPayload: "/greet",
    socketUrl: SOCKET_URL,
    socketPath: "/socket.io/",
    title: "在线客服",
    embedded: true,
    params: { storage: "session" },
  }, null);
</script>
</body>
</html>
"""


@pytest.fixture
def webchat_page(rasa_webchat_bundle: Path, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """The address of a static page (its own origin) embedding rasa-webchat, pointed at the test stack."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.js").write_bytes(rasa_webchat_bundle.read_bytes())
    socket_url = json.dumps(f"http://127.0.0.1:{settings.rasa_port}")
    (site / "index.html").write_text(PAGE.replace("SOCKET_URL", socket_url), encoding="utf-8")
    with static_site(site) as address:
        yield f"{address}/index.html"


def responses(page: Page) -> Locator:
    return page.locator(".rw-response")


def lines_of(element: Locator) -> list[str]:
    """The element's text as the browser lays it out, one entry per line shown."""
    return [line.strip() for line in element.inner_text().split("\n") if line.strip()]


def test_rasa_webchat_greets_answers_in_three_parts_and_its_buttons_work(
    stack, settings, new_context, webchat_page, screenshots
):
    page = new_context(locale="zh-CN", viewport={"width": 480, "height": 900}).new_page()
    page.goto(webchat_page)
    # Its initPayload "/greet" is a harmless opening payload of the socket.io channel.
    expect(responses(page).first).to_contain_text(domain_text("utter_greet", "zh"))

    before = responses(page).count()
    page.locator(".rw-new-message").fill("退款多久到账")
    page.locator(".rw-new-message").press("Enter")
    answer = responses(page).nth(before)
    faq = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq").get("refund_time").answer("zh")
    expect(answer).to_contain_text(faq.conclusion)
    # Rendered as Markdown, the three parts and every step still stand on lines of their own.
    lines = lines_of(answer)
    assert lines[0] == faq.conclusion, lines
    assert lines[1] == f"原因:{faq.reasoning}", lines
    assert lines[2] == "操作步骤:", lines
    assert [line.split(". ", 1)[-1] for line in lines[3:]] == list(faq.steps), lines

    replies = page.locator(".rw-reply")
    expect(replies).to_have_count(2)
    expect(replies.nth(0)).to_have_text("已解决")
    expect(replies.nth(1)).to_have_text("没解决")
    screenshots.take(page, "rasa-webchat-faq-answer")

    replies.filter(has_text="没解决").click()
    not_solved = domain_text("utter_not_solved", "zh")
    expect(responses(page).last).to_contain_text(not_solved)
    screenshots.take(page, "rasa-webchat-not-solved")

    session = page.evaluate("JSON.parse(sessionStorage.getItem('chat_session')).session_id")
    user = [e for e in tracker(settings, session)["events"] if e["event"] == "user"]
    assert [e["text"] for e in user] == ["/greet", "退款多久到账", "/deny"], user
    assert user[0]["parse_data"]["intent"]["name"] == "greet"
