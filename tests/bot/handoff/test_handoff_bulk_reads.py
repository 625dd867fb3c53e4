"""The handoff store's bulk reads on a real Redis: what they return, and in how many round trips."""

import pytest

from bot.handoff.store import ASSIGNED, HandoffRecord, HandoffStore
from tests.bot.redis_round_trips import RoundTrips
from tests.bot.settable_clock import START, Clock


def record(conversation_id, created):
    return HandoffRecord(handoff_id="", conversation_id=conversation_id, channel="rest", category="complaint",
                         priority="normal", reason="anger", summary="", created_at=START.timestamp() + created)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(redis_client, clock):
    return HandoffStore(redis_client, clock)


def handle(store, clock, conversation_id, created, claimed=None, resolved=None):
    """Open a handoff at ``created`` seconds, then claim and resolve it at the times given."""
    opened = store.open(record(conversation_id, created), [])
    if claimed is not None:
        clock.at(claimed)
        store.claim(opened.handoff_id, "alice")
    if resolved is not None:
        clock.at(resolved)
        store.resolve(opened.handoff_id)
    return store.get(opened.handoff_id)


def test_records_keep_the_order_asked_and_skip_missing_ones(store, redis_client, monkeypatch):
    ids = [store.open(record(f"c{n}", n), []).handoff_id for n in range(501)]
    asked = [*reversed(ids), "missing"]
    trips = RoundTrips(redis_client, monkeypatch)
    assert [r.handoff_id for r in store.records(asked)] == asked[:-1]
    assert trips.count == 2  # one MGET per 500 ids


def test_a_claim_indexes_the_handoff_until_it_is_resolved(store, clock, redis_client):
    first = handle(store, clock, "a", 0, claimed=20)
    second = handle(store, clock, "b", 5, claimed=10)
    done = handle(store, clock, "c", 0, claimed=30, resolved=40)
    assert [r.handoff_id for r in store.assigned()] == [second.handoff_id, first.handoff_id]  # longest held first
    assert done.handoff_id not in redis_client.smembers(ASSIGNED)
    redis_client.sadd(ASSIGNED, "gone", done.handoff_id)  # e.g. a record deleted by hand
    assert [r.handoff_id for r in store.assigned()] == [second.handoff_id, first.handoff_id]
    assert redis_client.smembers(ASSIGNED) == {first.handoff_id, second.handoff_id}


def test_resolved_since_is_newest_first_and_can_keep_the_latest(store, clock):
    resolved = [handle(store, clock, f"r{n}", n * 100, claimed=n * 100 + 10, resolved=n * 100 + 50) for n in range(4)]
    handle(store, clock, "waiting", 500)
    newest_first = [r.handoff_id for r in reversed(resolved)]
    assert [r.handoff_id for r in store.resolved_since()] == newest_first
    assert [r.handoff_id for r in store.resolved_since(START.timestamp() + 150)] == newest_first[:3]
    assert [r.handoff_id for r in store.resolved_since(latest=2)] == newest_first[:2]


def test_records_between_are_those_opened_in_the_period(store, clock):
    before = handle(store, clock, "before", -100, claimed=-90, resolved=10)  # resolved inside, opened before
    resolved = handle(store, clock, "resolved", 20, claimed=30, resolved=40)
    assigned = handle(store, clock, "assigned", 50, claimed=60)
    queued = handle(store, clock, "queued", 70)
    handle(store, clock, "after", 100)
    since, until = START.timestamp(), START.timestamp() + 100
    assert before.status == "resolved"
    assert [r.handoff_id for r in store.records_between(since, until)] == [
        resolved.handoff_id, assigned.handoff_id, queued.handoff_id]
    assert [r.handoff_id for r in store.records_between(since, until, resolved_only=True)] == [resolved.handoff_id]


def test_bulk_reads_take_a_fixed_number_of_round_trips(store, clock, redis_client, monkeypatch):
    for n in range(30):
        handle(store, clock, f"r{n}", n, claimed=n + 10, resolved=n + 20)
        handle(store, clock, f"a{n}", n, claimed=n + 10)
        handle(store, clock, f"q{n}", n)
    trips = RoundTrips(redis_client, monkeypatch)
    assert len(store.queue()) == 30 and trips.count == 2
    trips.count = 0
    assert len(store.assigned()) == 30 and trips.count == 2
    trips.count = 0
    assert len(store.resolved_since(latest=50)) == 30 and trips.count == 2
    trips.count = 0
    assert len(store.records_between(START.timestamp(), START.timestamp() + 100)) == 90 and trips.count == 4
    trips.count = 0
    assert store.recent_handle_seconds(limit=10) == [10.0] * 10 and trips.count == 2
