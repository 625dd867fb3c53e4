"""The supervisors' analytics view on a known week of history: the figures, the charts, who sees it.

Only Redis and the console are needed: the console runs as its own process (as ``make run``
starts it) on the test's embedded Redis, where ``build_week`` has written the history.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import redis
from playwright.sync_api import Locator, Page, Route, expect

from bot.knowledge.base import KnowledgeBase, first_questions
from bot.service.labels import Labels
from bot.settings import PROJECT_ROOT, Settings
from console.users import UserStore
from tests.bot.analytics.history_builder import build_week
from tests.browser.pages import console_errors, log_in_to_console, running_console

pytestmark = pytest.mark.slow

SUPERVISOR, AGENT, PASSWORD = "boss", "alice", "password-123"
CHEAP = 2 ** 8  # scrypt cost of the test users: hashing is tested on its own
VIEWPORT = {"width": 1400, "height": 940}  # the whole view in one screenshot
LABELS = Labels.load()  # what the weekly report shows too: the page must show the same

# What the page must show for build_week's week (the figures are checked one by one in
# tests/bot/analytics/test_analytics.py; here, that the page shows them).
WEEK = "2026-11-02 – 2026-11-08 · Asia/Shanghai · 7天 days"
CARDS = {
    "analytics-contacts": "7",
    "analytics-handoffs": "3 (+1 回电)",        # u2, u6, u7; u5's call-back
    "analytics-handoff-rate": "42.9%",          # 3 of 7 contacts went to a person
    "analytics-fcr": "28.6%",                   # 2 of 7
    "analytics-csat": "3.67 / 5",               # ratings 5, 4, 2
    "analytics-five-star": "33.3%",
    "analytics-wait": "6分30秒",                 # (3 min + 10 min) / 2
    "analytics-handle": "20分00秒",              # (10 min + 30 min) / 2
    "analytics-tickets": "3",
    "analytics-on-time": "0.0%",                # u4's and u5's tickets were due in the week, neither answered
    "analytics-second-contact": "—",            # no complaint was resolved in the week
    "analytics-time-to-close": "0秒 s",          # u5's call-back, resolved as it was opened
    "analytics-return-visit": "—",
}
CARD_FIGURES = {  # the label of each card, from labels.yml (section figure)
    "analytics-contacts": "contacts", "analytics-handoffs": "handoffs", "analytics-handoff-rate": "handoff_rate",
    "analytics-fcr": "first_contact_resolution", "analytics-csat": "csat", "analytics-five-star": "five_star_rate",
    "analytics-wait": "avg_wait", "analytics-handle": "avg_handle", "analytics-tickets": "tickets",
    "analytics-on-time": "on_time_follow_up_rate", "analytics-second-contact": "second_contact_rate",
    "analytics-time-to-close": "avg_time_to_close", "analytics-return-visit": "return_visit_rating",
}
VOLUMES = {  # contacts per local day and category
    "2026-11-02": {"inquiry": 1}, "2026-11-03": {"complaint": 1}, "2026-11-04": {"inquiry": 1},
    "2026-11-05": {"suggestion": 1}, "2026-11-06": {"inquiry": 1}, "2026-11-07": {"fault": 1},
    "2026-11-08": {"complaint": 1, "inquiry": 1},
}
HANDOFF_REASONS = [("要求人工 Asked for a person", 2), (LABELS.pair("reason", "anger"), 1),
                   (LABELS.pair("reason", "vip_complaint"), 1)]
RATINGS = [("5★", 1), ("4★", 1), ("3★", 0), ("2★", 1), ("1★", 0)]
TICKETS = [(LABELS.pair("ticket_status", status), 1) for status in ("open", "follow_up_due", "resolved")]


def top_problems() -> list[tuple[str, int]]:
    """The top-problem bars: FAQ entries are named by their first question in the knowledge base."""
    questions = first_questions(KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"))
    return [
        ("查询订单 Order status (check_order_status)", 2),
        (f"{LABELS.pair('problem', 'complaint')} (complaint)", 2),
        (f"{questions['faq/change_password']} (faq/change_password)", 1),
        (f"{questions['faq/refund_time']} (faq/refund_time)", 1),
        (f"{LABELS.pair('problem', 'report_fault')} (report_fault)", 1),
        (f"{LABELS.pair('problem', 'suggestion')} (suggestion)", 1),
    ]


@pytest.fixture
def console(settings: Settings, embedded_redis) -> Iterator[Settings]:
    """The console process on the test's Redis, with the week's history, supervisor boss and agent alice."""
    client = redis.Redis.from_url(embedded_redis.url, decode_responses=True)
    try:
        build_week(client)
        users = UserStore(client, cost=CHEAP)
        users.add(SUPERVISOR, PASSWORD, "supervisor", "李主管")
        users.add(AGENT, PASSWORD, "agent")
    finally:
        client.close()
    with running_console(settings, embedded_redis.url):
        yield settings


def bar_rows(page: Page, chart: str) -> list[tuple[str, int]]:
    """(label, value) of each bar of ``chart``, in the order shown."""
    rows = page.locator(f"{chart} [data-testid=bar]")
    return [(row.locator(".bar-label").inner_text(), int(row.locator(".bar-value").inner_text()))
            for row in rows.all()]


def bar_widths(page: Page, chart: str) -> list[float]:
    """The drawn width in pixels of each bar of ``chart``."""
    return [box_of(bar)["width"] for bar in page.locator(f"{chart} .bar").all()]


def box_of(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not drawn"
    return box


def assert_proportional(sizes: list[float], values: list[int], what: str) -> None:
    """Non-zero values are drawn at sizes proportional to them (to a pixel or two)."""
    unit = max(sizes) / max(values)
    assert unit > 10, f"{what}: the largest is only {max(sizes):.1f}px"
    for size, value in zip(sizes, values, strict=False):
        if value:
            assert abs(size - value * unit) <= 2, f"{what}: {sizes} is not proportional to {values}"


def show_week(page: Page) -> None:
    page.locator("#analytics-since").fill("2026-11-02")
    page.locator("#analytics-until").fill("2026-11-08")
    page.locator("#analytics-load").click()
    expect(page.locator("#analytics-period")).to_have_text(WEEK)


def test_a_supervisor_sees_the_figures_and_charts_of_the_week(console, new_context, screenshots):
    page = log_in_to_console(new_context, console.console_port, SUPERVISOR, PASSWORD, viewport=VIEWPORT)
    expect(page.locator("#tab-analytics")).to_be_visible()
    page.locator("#tab-analytics").click()
    expect(page.locator("#analytics-view")).to_be_visible()
    expect(page.locator("#desk-view")).to_be_hidden()

    # Opening the tab shows the last seven days of the service's time zone.
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    expect(page.locator("#analytics-until")).to_have_value(today.isoformat())
    expect(page.locator("#analytics-since")).to_have_value((today - dt.timedelta(days=6)).isoformat())
    expect(page.locator("[data-testid=volume-day]")).to_have_count(7)

    show_week(page)
    cards = page.locator("[data-testid=analytics-card]")
    expect(cards).to_have_count(len(CARDS))
    for card_id, value in CARDS.items():
        expect(page.locator(f"#{card_id} .value")).to_have_text(value)
        expect(page.locator(f"#{card_id} .name")).to_have_text(LABELS.pair("figure", CARD_FIGURES[card_id]))

    days = page.locator("[data-testid=volume-day]")
    expect(days).to_have_count(7)
    assert [day.get_attribute("data-day") for day in days.all()] == list(VOLUMES)
    totals = [sum(counts.values()) for counts in VOLUMES.values()]
    assert [int(day.get_attribute("data-total")) for day in days.all()] == totals
    segments: dict[str, dict[str, int]] = {}
    heights: dict[str, float] = {}
    for day in days.all():
        drawn = day.locator("[data-testid=volume-segment]").all()
        segments[day.get_attribute("data-day")] = {
            s.get_attribute("data-category"): int(s.get_attribute("data-count")) for s in drawn
        }
        heights[day.get_attribute("data-day")] = sum(box_of(s)["height"] for s in drawn)
    assert segments == VOLUMES
    assert_proportional(list(heights.values()), totals, "contacts per day")

    assert bar_rows(page, "#chart-problems") == top_problems()
    assert bar_rows(page, "#chart-handoff-reasons") == HANDOFF_REASONS
    assert bar_rows(page, "#chart-priority-reasons") == [
        (LABELS.pair("priority_reason", "repeat_contact"), 1), (LABELS.pair("priority_reason", "vip"), 1)]
    assert bar_rows(page, "#chart-analytics-csat") == RATINGS
    assert bar_rows(page, "#chart-tickets") == TICKETS
    for chart, rows in [("#chart-problems", top_problems()), ("#chart-handoff-reasons", HANDOFF_REASONS),
                        ("#chart-analytics-csat", RATINGS), ("#chart-tickets", TICKETS)]:
        assert_proportional(bar_widths(page, chart), [value for _, value in rows], chart)

    assert console_errors(page) == [], "the console showed the supervisor an error"
    screenshots.take(page, "console-analytics", docs_name="console-analytics.png")


def test_a_late_answer_does_not_replace_the_period_asked_for(console, new_context):
    page = log_in_to_console(new_context, console.console_port, SUPERVISOR, PASSWORD)
    held: list[Route] = []

    def hold_the_default_period(route: Route) -> None:
        if "since=" in route.request.url:
            route.continue_()
        else:
            held.append(route)

    # Opening the tab asks for the default period; its answer comes only after the week is shown.
    page.route("**/api/analytics*", hold_the_default_period)
    page.locator("#tab-analytics").click()
    show_week(page)
    expect(page.locator("#analytics-contacts .value")).to_have_text("7")
    assert len(held) == 1
    with page.expect_response(lambda response: "/api/analytics" in response.url):
        held[0].continue_()
    page.wait_for_timeout(500)  # time for the page to (wrongly) draw the late answer
    expect(page.locator("#analytics-period")).to_have_text(WEEK)
    expect(page.locator("#analytics-contacts .value")).to_have_text("7")
    expect(page.locator("#analytics-since")).to_have_value("2026-11-02")


def test_an_agent_has_no_analytics(console, new_context):
    page = log_in_to_console(new_context, console.console_port, AGENT, PASSWORD)
    expect(page.locator("#tab-stats")).to_be_visible()
    expect(page.locator("#tab-analytics")).to_be_hidden()
    status = page.evaluate("""async () => {
        const token = sessionStorage.getItem("console.token");
        const response = await fetch("/api/analytics?since=2026-11-02&until=2026-11-08",
                                     { headers: { Authorization: "Bearer " + token } });
        return [response.status, await response.json()];
    }""")
    assert status[0] == 403, json.dumps(status)
    assert "supervisors" in status[1]["error"]
    assert page.locator("[data-testid=analytics-card]").count() == 0
