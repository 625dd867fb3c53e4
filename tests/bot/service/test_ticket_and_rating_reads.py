"""Bulk reads of tickets and ratings on a real Redis: periods, order, paging, round trips."""
import datetime as dt

from bot.service.feedback import RATING_STREAM, FeedbackStore, Rating
from bot.service.tickets import TicketStore
from tests.bot.redis_round_trips import RoundTrips
from tests.bot.settable_clock import START, Clock

T0 = START.timestamp()


def test_tickets_between_are_those_opened_in_the_period_oldest_first(redis_client):
    clock = Clock()
    store = TicketStore(redis_client, clock)
    opened = {}
    for name, at in [("late", 50), ("before", -1), ("first", 0), ("end", 100)]:
        clock.at(at)
        opened[name] = store.create(name, "complaint", "normal", name, dt.timedelta(hours=1))
    found = store.tickets_between(T0, T0 + 100)
    assert found == [opened["first"], opened["late"]]


def test_many_tickets_come_in_one_pipeline_per_500(redis_client, monkeypatch):
    store = TicketStore(redis_client, Clock())
    ids = [store.create(f"c{n}", "fault", "low", "x", dt.timedelta(hours=1)).ticket_id for n in range(501)]
    trips = RoundTrips(redis_client, monkeypatch)
    assert [t.ticket_id for t in store.many([*reversed(ids), "T0"])] == list(reversed(ids))
    assert trips.count == 2  # one pipeline per 500 tickets
    trips.count = 0
    assert len(store.tickets_between(T0, T0 + 1)) == 501 and trips.count == 3


def rate(store, clock, conversation, at, rating, **fields):
    clock.at(at)
    store.record(conversation, rating, **fields)


def test_ratings_between_go_by_when_they_were_given(redis_client):
    clock = Clock()
    store = FeedbackStore(redis_client, clock)
    rate(store, clock, "a", 10, 5, channel="telegram", ticket_id="T1")
    rate(store, clock, "b", -1, 4)
    rate(store, clock, "c", 100, 3)
    rate(store, clock, "d", 20, 2)
    redis_client.xadd(RATING_STREAM, {"conversation_id": "e", "rating": "great", "at": T0 + 30})
    redis_client.xadd(RATING_STREAM, {"conversation_id": "f", "rating": 7, "at": T0 + 30})
    redis_client.xadd(RATING_STREAM, {"conversation_id": "g", "rating": 1})
    assert store.ratings_between(T0, T0 + 100) == [Rating("a", 5, T0 + 10, "telegram", "T1"), Rating("d", 2, T0 + 20)]
    assert [r.conversation_id for r in store.ratings_between(T0)] == ["a", "d", "c"]
    assert [r.conversation_id for r in store.ratings_between(T0, latest=2)] == ["d", "c"]


def test_ratings_are_read_page_by_page_both_ways(redis_client):
    clock = Clock()
    store = FeedbackStore(redis_client, clock)
    for n in range(2500):
        rate(store, clock, f"c{n}", n, 1 + n % 5)
    assert len(store.ratings_between(T0)) == 2500
    assert [r.at - T0 for r in store.ratings_between(T0, T0 + 500, latest=10)] == list(range(490, 500))
    assert len(store.ratings_between(T0, latest=1500)) == 1500
