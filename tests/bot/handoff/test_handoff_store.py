"""The handoff queue on a real Redis: order, atomic claims, transcript, resolve."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from bot.handoff.store import HandoffConflict, HandoffNotFound, HandoffRecord, HandoffStore, Turn


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self):
        self.now += dt.timedelta(seconds=1)
        return self.now


def record(conversation_id, priority="normal", **extra):
    return HandoffRecord(
        handoff_id="", conversation_id=conversation_id, channel="rest", category="complaint",
        priority=priority, reason="anger", summary="快递没到,电话13812345678", created_at=extra.pop("created_at", 0.0), **extra
    )


@pytest.fixture
def store(redis_client):
    return HandoffStore(redis_client, Clock())


def test_opening_queues_and_stops_the_bot(store):
    opened = store.open(record("c1"), [Turn("user", "我的手机13812345678", 1.0), Turn("bot", "抱歉", 2.0)])
    assert store.state("c1") == "queued"
    assert store.active_handoff("c1") == opened.handoff_id
    assert "138****5678" in opened.summary
    assert [t.text for t in store.transcript(opened.handoff_id)] == ["我的手机138****5678", "抱歉"]
    assert store.open(record("c1"), []).handoff_id == opened.handoff_id  # one open handoff per conversation


def test_the_queue_is_ordered_by_priority_then_wait(store):
    low = store.open(record("a", "low", created_at=1.0), [])
    normal_old = store.open(record("b", "normal", created_at=2.0), [])
    high = store.open(record("c", "high", created_at=5.0), [])
    normal_new = store.open(record("d", "normal", created_at=3.0), [])
    assert [r.handoff_id for r in store.queue()] == [high.handoff_id, normal_old.handoff_id, normal_new.handoff_id, low.handoff_id]
    assert store.position(normal_new.handoff_id) == 3


def test_of_fifty_concurrent_claims_exactly_one_wins(embedded_redis):
    setup = HandoffStore(redis.Redis.from_url(embedded_redis.url))
    opened = setup.open(record("race"), [])

    def claim(n):
        store = HandoffStore(redis.Redis.from_url(embedded_redis.url))
        try:
            store.claim(opened.handoff_id, f"agent{n}")
            return "won"
        except HandoffConflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(claim, range(50)))
    assert results.count("won") == 1 and results.count("conflict") == 49
    claimed = setup.get(opened.handoff_id)
    assert claimed.status == "assigned" and claimed.agent.startswith("agent")
    assert setup.state("race") == "agent"
    assert setup.position(opened.handoff_id) is None


def test_transfer_resolve_and_errors(store):
    opened = store.open(record("c2"), [])
    with pytest.raises(HandoffConflict):
        store.transfer(opened.handoff_id, "boss")
    store.claim(opened.handoff_id, "alice")
    store.append(opened.handoff_id, "agent", "您好,我是客服小王", agent="alice")
    assert store.transfer(opened.handoff_id, "boss").agent == "boss"
    resolved = store.resolve(opened.handoff_id, outcome="resolved")
    assert resolved.status == "resolved" and store.state("c2") == "bot"
    with pytest.raises(HandoffConflict):
        store.resolve(opened.handoff_id)
    with pytest.raises(HandoffNotFound):
        store.claim("nope", "alice")


def test_changes_are_published_for_live_consoles(store, redis_client):
    opened = store.open(record("c3", "high"), [])
    store.claim(opened.handoff_id, "alice")
    kinds = [fields[b"type"].decode() if isinstance(fields.get(b"type"), bytes) else fields["type"]
             for _, fields in redis_client.xrange("cs:events")]
    assert kinds == ["handoff_opened", "handoff_claimed"]


def test_nothing_is_lost_across_a_redis_restart(tmp_path):
    from bot.ops.redis_server import EmbeddedRedis
    from tests.conftest import free_port

    port = free_port()
    server = EmbeddedRedis(data_dir=tmp_path / "r", port=port)
    server.start()
    opened = HandoffStore(redis.Redis.from_url(server.url)).open(record("durable"), [Turn("user", "在吗", 1.0)])
    server.stop()
    server = EmbeddedRedis(data_dir=tmp_path / "r", port=port)
    server.start()
    try:
        store = HandoffStore(redis.Redis.from_url(server.url))
        assert store.get(opened.handoff_id).conversation_id == "durable"
        assert [r.handoff_id for r in store.queue()] == [opened.handoff_id]
        assert store.transcript(opened.handoff_id)[0].text == "在吗"
    finally:
        server.stop()


def test_a_claim_keeps_the_record_exactly_as_it_was(store):
    opened = store.open(record("shape", signals=[], top_intents=[], suggestions=[], created_at=1763884800.123456), [])
    claimed = store.claim(opened.handoff_id, "alice")
    assert (claimed.signals, claimed.top_intents, claimed.suggestions) == ([], [], [])
    assert claimed.created_at == 1763884800.123456
    assert (claimed.status, claimed.agent) == ("assigned", "alice")
    with pytest.raises(HandoffConflict):
        store.claim(opened.handoff_id, "bob")
    with pytest.raises(HandoffNotFound):
        store.claim("nope", "bob")


def test_a_conversations_earlier_handoffs_are_counted_and_reasons_kept(store):
    first = store.open(record("again", created_at=100.0), [])
    store.resolve(first.handoff_id)
    store.open(record("again", "high", created_at=200.0, priority_reasons=["repeat_contact", "strong_emotion"]), [])
    store.open(record("someone-else", created_at=150.0), [])
    assert store.count_for_conversation("again", since=0.0) == 2
    assert store.count_for_conversation("again", since=150.0) == 1
    assert store.count_for_conversation("nobody", since=0.0) == 0
    assert store.queue()[0].priority_reasons == ["repeat_contact", "strong_emotion"]
