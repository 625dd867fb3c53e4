"""CSAT and handling times, the measures the weekly figures and the console's stats share."""
from bot.analytics.measures import average, csat, handling_times, rate
from bot.handoff.store import HandoffRecord


def handoff(created, claimed=None, resolved=None):
    return HandoffRecord(handoff_id="h", conversation_id="c", channel="rest", category="complaint", priority="normal",
                         reason="anger", summary="", created_at=created, claimed_at=claimed, resolved_at=resolved)


def test_a_record_knows_its_wait_and_handle_time():
    assert (handoff(100.0).wait_seconds, handoff(100.0).handle_seconds) == (None, None)
    assert (handoff(100.0, 130.0).wait_seconds, handoff(100.0, 130.0).handle_seconds) == (30.0, None)
    assert handoff(100.0, 130.0, 430.0).handle_seconds == 300.0


def test_handling_times_count_the_claimed_and_the_handled():
    times = handling_times(iter([handoff(0.0), handoff(0.0, 30.0), handoff(0.0, 90.0, 190.0), handoff(0.0, 60.0, 360.0)]))
    assert times == {"claimed": 3, "avg_wait_seconds": 60.0, "handled": 2, "avg_handle_seconds": 200.0}
    assert handling_times([]) == {"claimed": 0, "avg_wait_seconds": None, "handled": 0, "avg_handle_seconds": None}


def test_csat():
    assert csat([5, 5, 4, 2, 3, 5]) == {"ratings": 6, "average": 4.0, "five_star_rate": 0.5,
                                        "by_score": {"1": 0, "2": 1, "3": 1, "4": 1, "5": 3}}
    assert csat([5, 4, 4]) == {"ratings": 3, "average": 4.33, "five_star_rate": 0.333,
                               "by_score": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}}
    assert csat([])["average"] is None and csat([])["five_star_rate"] is None


def test_averages_and_rates_round():
    assert average([1.0, 2.0, 2.0]) == 1.7 and average([1.0, 2.0, 2.0], 2) == 1.67 and average([]) is None
    assert rate(1, 3) == 0.333 and rate(1, 0) is None
