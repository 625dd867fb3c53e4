"""Tickets and ratings in a real Redis."""
import datetime as dt

import pytest

from bot.service.feedback import FeedbackStore, parse_rating
from bot.service.tickets import TicketStore


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now


def test_a_ticket_is_stored_masked_and_indexed(redis_client):
    store = TicketStore(redis_client, Clock())
    ticket = store.create("c1", "complaint", "high", "手机13812345678,订单DD2026110500123没到", dt.timedelta(hours=24))
    assert ticket.ticket_id == "T202611230001"
    assert store.create("c1", "fault", "normal", "x", dt.timedelta(hours=1)).ticket_id == "T202611230002"
    stored = store.get(ticket.ticket_id)
    assert stored == ticket
    assert "13812345678" not in stored.summary and "138****5678" in stored.summary
    assert "DD2026110500123" in stored.summary
    assert [t.ticket_id for t in store.for_conversation("c1")] == ["T202611230001", "T202611230002"]
    assert store.get("T000") is None


def test_follow_ups_become_due_and_resolved_ones_do_not(redis_client):
    clock = Clock()
    store = TicketStore(redis_client, clock)
    late = store.create("c2", "complaint", "normal", "a", dt.timedelta(hours=24))
    done = store.create("c2", "fault", "normal", "b", dt.timedelta(hours=1))
    store.set_status(done.ticket_id, "resolved")
    clock.now += dt.timedelta(hours=25)
    assert store.mark_follow_ups_due() == [late.ticket_id]
    assert store.get(late.ticket_id).status == "follow_up_due"
    assert store.get(done.ticket_id).status == "resolved"
    with pytest.raises(ValueError):
        store.set_status(late.ticket_id, "lost")


def test_complaints_are_counted_over_a_window(redis_client):
    clock = Clock()
    store = TicketStore(redis_client, clock)
    store.create("c3", "complaint", "normal", "old", dt.timedelta(hours=1))
    clock.now += dt.timedelta(days=200)
    store.create("c3", "complaint", "normal", "new", dt.timedelta(hours=1))
    store.create("c3", "suggestion", "low", "idea", dt.timedelta(hours=1))
    assert store.count_since("c3", "complaint", days=180) == 1


@pytest.mark.parametrize(
    "text, rating",
    [("5", 5), ("4分", 4), ("五星", 5), ("非常满意", 5), ("满意", 4), ("非常不满意", 1), ("3 OK", 3),
     ("excellent", 5), ("terrible", 1), ("随便", None), ("12", None), ("0", None)],
)
def test_ratings_are_read_from_what_people_type(text, rating):
    assert parse_rating(text) == rating


def test_ratings_are_stored_with_the_conversation(redis_client):
    store = FeedbackStore(redis_client)
    store.record("c4", 4, channel="rest", ticket_id="T1")
    assert store.latest("c4") == 4
    assert redis_client.xlen("cs:ratings") == 1
    with pytest.raises(ValueError):
        store.record("c4", 6)
