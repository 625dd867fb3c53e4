"""Stats against a history built by hand: queue, handling times, reasons, satisfaction, presence."""
import datetime as dt

from bot.analytics import figures as analytics
from bot.analytics.periods import Period
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffRecord, HandoffStore
from bot.service.feedback import FeedbackStore
from bot.service.triage import TriageRules
from console.stats import compute_stats
from tests.bot.analytics.history_builder import build_week, local
from tests.console.conftest import bearer, login

NOW = 1_800_000_000.0


class Clock:
    """A settable clock for the stores (datetime) and presence (seconds)."""

    def __init__(self, at=NOW):
        self.at = at

    def __call__(self):
        return dt.datetime.fromtimestamp(self.at, dt.timezone.utc)


def record(conversation_id, reason, created_at, priority="normal"):
    return HandoffRecord(handoff_id="", conversation_id=conversation_id, channel="rest", category="complaint",
                         priority=priority, reason=reason, summary="", created_at=created_at)


def build_history(redis_client):
    clock = Clock()
    store = HandoffStore(redis_client, clock)
    # Two resolved: waited 30 s and 90 s for a person, handled 300 s and 100 s.
    for cid, reason, created, claimed, resolved in [("r1", "anger", 1000.0, 1030.0, 1330.0),
                                                     ("r2", "vip_complaint", 2000.0, 2090.0, 2190.0)]:
        opened = store.open(record(cid, reason, NOW - 10_000 + created), [])
        clock.at = NOW - 10_000 + claimed
        store.claim(opened.handoff_id, "alice")
        clock.at = NOW - 10_000 + resolved
        store.resolve(opened.handoff_id)
    # One assigned now, two waiting 100 s and 40 s.
    clock.at = NOW
    assigned = store.open(record("a1", "explicit_request", NOW - 50), [])
    store.claim(assigned.handoff_id, "bob")
    store.open(record("q1", "anger", NOW - 100), [])
    store.open(record("q2", "explicit_request", NOW - 40, priority="high"), [])
    ratings = FeedbackStore(redis_client)
    for rating in (5, 5, 4, 2):
        ratings.record("c", rating)
    AgentPresence(redis_client, clock=lambda: NOW - 10).touch("alice")
    AgentPresence(redis_client, clock=lambda: NOW - 1000).touch("carol")


def test_figures_match_the_history(redis_client):
    build_history(redis_client)
    stats = compute_stats(redis_client, NOW)
    assert stats["queue"] == {"length": 2, "max_wait_seconds": 100.0, "avg_wait_seconds": 70.0,
                              "by_priority": {"high": 1, "normal": 1}}
    assert stats["assigned"] == 1
    assert stats["resolved"] == {"count": 2, "follow_up": 0, "avg_wait_until_claim_seconds": 60.0, "avg_handle_seconds": 200.0}
    assert stats["by_reason"] == {"anger": 2, "explicit_request": 2, "vip_complaint": 1}
    assert stats["csat"] == {"ratings": 4, "average": 4.0, "five_star_rate": 0.5,
                             "by_score": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}}
    assert stats["agents_online"] == {"count": 1, "usernames": ["alice"]}


def test_since_limits_the_history(redis_client):
    build_history(redis_client)
    later = compute_stats(redis_client, NOW, since=NOW - 10_000 + 2000)
    assert later["resolved"]["count"] == 1 and later["resolved"]["avg_handle_seconds"] == 100.0


def test_stats_and_analytics_agree_on_satisfaction_and_times(redis_client):
    build_week(redis_client)
    # From 10:00 on the 2nd, after the handoff opened before the week was resolved, both see the
    # same handoffs (u2 and u6 handled, u7 waiting) and the same ratings (u2, u4, u6).
    period = Period(local("2026-11-02 10:00"), local("2026-11-09 00:00"), "Asia/Shanghai")
    figures = analytics.compute(redis_client, period, TriageRules.load().categories)
    stats = compute_stats(redis_client, period.until, since=period.since)
    assert stats["csat"] == figures["csat"]
    assert figures["csat"]["ratings"] == 3
    assert stats["resolved"]["avg_wait_until_claim_seconds"] == figures["times"]["avg_wait_seconds"] == 390.0
    assert stats["resolved"]["avg_handle_seconds"] == figures["times"]["avg_handle_seconds"] == 1200.0


def test_an_empty_history_has_no_averages(redis_client):
    stats = compute_stats(redis_client, NOW)
    assert stats["queue"]["length"] == 0 and stats["queue"]["avg_wait_seconds"] is None
    assert stats["resolved"]["avg_handle_seconds"] is None and stats["csat"]["average"] is None


async def test_the_stats_route(start_console, redis_client):
    build_history(redis_client)
    async with start_console(clock=lambda: NOW) as client:
        token = await login(client, "boss")
        response = await client.get("/api/stats", headers=bearer(token))
        body = await response.json()
        assert body["queue"]["length"] == 2 and body["resolved"]["avg_wait_until_claim_seconds"] == 60.0
        assert "boss" in body["agents_online"]["usernames"]  # the request itself marks boss online
        assert (await client.get("/api/stats", params={"since": "yesterday"}, headers=bearer(token))).status == 400
