"""Every figure of bot.analytics.figures on a known week of history in a real Redis."""
import datetime as dt

import pytest

from bot.analytics import figures as analytics
from bot.analytics import history
from bot.analytics.periods import Period, PeriodError, parse_bound
from bot.service.triage import TriageRules
from tests.bot.analytics.history_builder import History, build_week, local

WEEK = Period.week_ending(dt.date(2026, 11, 8), "Asia/Shanghai")
DAYS = [f"2026-11-0{d}" for d in range(2, 9)]


def zeros():
    return {"inquiry": 0, "complaint": 0, "suggestion": 0, "fault": 0}


def table(**cells):
    """{day: {category: n}} for the week, from cells like d08_complaint=1."""
    rows = {day: zeros() for day in DAYS}
    for name, count in cells.items():
        day, category = name.split("_")
        rows[f"2026-11-{day[1:]}"][category] = count
    return rows


@pytest.fixture
def figures(redis_client):
    build_week(redis_client)
    return analytics.compute(redis_client, WEEK, TriageRules.load().categories)


def test_the_period_is_the_local_week(figures):
    assert figures["period"]["days"] == DAYS
    assert figures["period"]["since"] == local("2026-11-02 00:00")
    assert figures["period"]["until"] == local("2026-11-09 00:00")
    assert figures["totals"] == {"contacts": 7, "handoffs": 3, "tickets": 3, "ratings": 3}


def test_volumes_by_category_and_local_day(figures):
    volumes = figures["volumes"]
    assert volumes["categories"] == ["inquiry", "complaint", "suggestion", "fault"]
    assert volumes["requests"] == table(d02_inquiry=1, d03_complaint=1, d04_inquiry=1, d05_suggestion=1,
                                        d06_inquiry=1, d07_fault=1, d08_complaint=1, d08_inquiry=1)
    assert volumes["handoffs"] == table(d03_complaint=1, d08_complaint=1, d08_inquiry=1)
    assert volumes["tickets"] == table(d05_suggestion=1, d07_fault=1, d08_complaint=1)


def test_the_most_frequent_problems(figures):
    assert figures["top_problems"] == [
        {"problem": "check_order_status", "category": "inquiry", "count": 2, "share": 0.286},
        {"problem": "complaint", "category": "complaint", "count": 2, "share": 0.286},
        {"problem": "faq/change_password", "category": "inquiry", "count": 1, "share": 0.143},
        {"problem": "faq/refund_time", "category": "inquiry", "count": 1, "share": 0.143},
        {"problem": "report_fault", "category": "fault", "count": 1, "share": 0.143},
        {"problem": "suggestion", "category": "suggestion", "count": 1, "share": 0.143},
    ]
    assert figures["handoff_problems"] == [
        {"problem": "complaint", "category": "complaint", "count": 2, "share": 0.667},
        {"problem": "request_human", "category": "", "count": 1, "share": 0.333},
    ]


def test_handoff_rate_and_reasons(figures):
    assert figures["handoffs"] == {
        "count": 3, "callbacks": 1, "contacts_handed_over": 3, "rate": 0.429,
        "by_reason": {"explicit_request": 2, "anger": 1, "vip_complaint": 1},
        "by_outcome": {"follow_up": 1, "queued": 1, "resolved": 1},
        "by_priority": {"high": 1, "normal": 2},
        "by_priority_reason": {"repeat_contact": 1, "vip": 1},
    }


def test_a_call_back_stored_with_the_old_chinese_tag_still_counts(redis_client):
    history = History(redis_client)
    history.ticket("old", "2026-11-04 23:00", "inquiry", tags=("人工回电", "anger"))  # written before the English tags
    history.callback("new", "2026-11-05 23:00", "explicit_request")
    history.ticket("other", "2026-11-05 23:30", "fault", tags=("fault",))
    found = analytics.compute(redis_client, WEEK, TriageRules.load().categories)["handoffs"]
    assert (found["callbacks"], found["by_reason"]) == (2, {"anger": 1, "explicit_request": 1})


def test_first_contact_resolution(figures):
    # Of 7 contacts, three went to a person (u2, u5's call-back, u6) and two came back within
    # 7 days (u3 on the 6th, u4 on the 10th): u1's and u3's second contact remain.
    assert figures["first_contact_resolution"] == {"contacts": 7, "resolved": 2, "rate": 0.286, "repeat_window_days": 7}


def test_satisfaction_and_times(figures):
    assert figures["csat"] == {"ratings": 3, "average": 3.67, "five_star_rate": 0.333,
                               "by_score": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}}
    assert figures["times"] == {"claimed": 2, "avg_wait_seconds": 390.0, "handled": 2, "avg_handle_seconds": 1200.0}


def test_tickets(figures):
    statuses = {"open": 1, "in_progress": 0, "waiting_user": 0, "follow_up_due": 1, "resolved": 1, "closed": 0}
    assert figures["tickets"] == {
        "count": 3, "by_status": statuses, "by_department": {"customer_service": 2, "product": 1},
        "by_team": {"agents": statuses},
        # u4's suggestion and u5's call-back were due within the week and nobody answered them
        # (u5 was closed by the system); u6's complaint is due after the week: not judged yet.
        "on_time_follow_up": {"judged": 2, "on_time": 0, "rate": 0.0},
        "second_contact": {"resolved_complaints": 0, "second_contacts": 0, "rate": None, "days": 7},
        "time_to_close": {"closed": 1, "avg_seconds": 0.0},
        "return_visits": {"visits": 0, "ratings": 0, "average": None},
    }


def test_an_empty_period_has_no_rates(redis_client):
    figures = analytics.compute(redis_client, WEEK, TriageRules.load().categories)
    assert figures["totals"] == {"contacts": 0, "handoffs": 0, "tickets": 0, "ratings": 0}
    assert figures["handoffs"]["rate"] is None and figures["first_contact_resolution"]["rate"] is None
    assert figures["csat"]["average"] is None and figures["times"]["avg_wait_seconds"] is None
    assert figures["top_problems"] == []


def test_contacts_skip_sessions_without_a_request():
    events = [
        {"event": "session_started", "timestamp": 10.0},
        {"event": "user", "timestamp": 11.0, "parse_data": {"intent": {"name": "greet"}}, "input_channel": "rest"},
        {"event": "session_started", "timestamp": 20.0},
        {"event": "user", "timestamp": 21.0, "parse_data": {"intent": {"name": "faq"}}, "input_channel": "rest"},
    ]
    [contact] = history.contacts_of("c", events, {"faq": "inquiry"})
    assert (contact.session_start, contact.session_end, contact.problems) == (20.0, None, ("faq",))


@pytest.mark.parametrize("text, end, expected", [
    ("2026-11-02", False, "2026-11-02 00:00"),
    ("2026-11-08", True, "2026-11-09 00:00"),
    ("2026-11-02T08:30", False, "2026-11-02 08:30"),
])
def test_period_bounds_are_local_days(text, end, expected):
    assert parse_bound(text, "Asia/Shanghai", end=end) == local(expected)


def test_period_bounds_with_an_offset_or_epoch_are_exact():
    assert parse_bound("2026-11-02T00:00:00Z", "Asia/Shanghai") == dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc).timestamp()
    assert parse_bound("1700000000", "Asia/Shanghai") == 1700000000.0
    with pytest.raises(PeriodError):
        parse_bound("last tuesday", "Asia/Shanghai")
    with pytest.raises(PeriodError):
        Period.parse("2026-11-08", "2026-11-01", "Asia/Shanghai", now=0)
