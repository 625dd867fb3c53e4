"""The tickets tab: a quality team member finds the complaint, moves it, and the user is told.

Only Redis and the console are needed: the console runs as its own process on the test's Redis.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import expect

from bot.handoff.outbox import stream_key
from bot.handoff.reach import UserReach
from bot.service import ticket_tags
from bot.service.ticket_rules import TicketRules
from bot.service.tickets import TicketStore
from bot.settings import Settings
from console.users import UserStore
from tests.browser.pages import console_errors, log_in_to_console, running_console

pytestmark = pytest.mark.slow

PASSWORD = "password-123"


@pytest.fixture
def console(settings: Settings, embedded_redis) -> Iterator[tuple[Settings, redis.Redis]]:
    client = redis.Redis.from_url(embedded_redis.url, decode_responses=True)
    users = UserStore(client, cost=2 ** 8)
    users.add("qa1", PASSWORD, "agent", "品控小李")
    users.set_teams("qa1", ["quality"])
    try:
        with running_console(settings, embedded_redis.url):
            yield settings, client
    finally:
        client.close()


def test_a_team_member_moves_a_complaint_and_the_user_is_told(console, new_context):
    settings, client = console
    UserReach(client).user_wrote("tg-77", "telegram", "en")
    store = TicketStore(client, rules=TicketRules.load())
    ticket = store.create("tg-77", "complaint", "high", "parcel lost, phone 13812345678", dt.timedelta(hours=24),
                          tags=(ticket_tags.COMPLAINT, "delivery"))
    store.create("tg-78", "fault", "normal", "app crash", dt.timedelta(hours=4), tags=(ticket_tags.FAULT,))

    page = log_in_to_console(new_context, settings.console_port, "qa1", PASSWORD)
    page.locator("#tab-tickets").click()
    items = page.locator("[data-testid=ticket-item]")
    expect(items).to_have_count(1)  # the fault is the technical team's
    expect(items.first).to_contain_text(ticket.ticket_id)
    expect(items.first).not_to_contain_text("13812345678")
    items.first.click()
    expect(page.locator("#ticket-title")).to_contain_text(ticket.ticket_id)
    page.locator("#ticket-next-status").select_option("in_progress")
    page.locator("#ticket-note").fill("We asked the courier.")
    page.locator("#ticket-status-save").click()
    expect(page.locator("#message-bar")).to_contain_text("The user was told")
    expect(page.locator("[data-testid=ticket-change][data-action=status]")).to_have_count(1)
    expect(page.locator("#ticket-status")).to_contain_text("In progress")

    # The scheduler's reminder reaches the owning team's member live.
    assert store.mark_reminded(ticket.ticket_id, "quality", every=0)
    expect(page.locator("#message-bar")).to_contain_text(f"Ticket {ticket.ticket_id} is due")

    [sent] = [json.loads(fields["message"]) for _, fields in client.xrange(stream_key("telegram"))]
    assert sent["conversation_id"] == "tg-77" and ticket.ticket_id in sent["text"]
    assert store.get(ticket.ticket_id).status == "in_progress"
    assert console_errors(page) == []
