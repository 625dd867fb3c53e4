"""The case library on a known week: which cases, their fields, masking, CSV and JSON-lines export."""
import csv
import datetime as dt
import io
import json
import re

import pytest

from bot.analytics import cases
from bot.analytics.periods import Period
from bot.handoff.store import HandoffRecord
from tests.bot.analytics.history_builder import build_week, local

WEEK = Period.week_ending(dt.date(2026, 11, 8), "Asia/Shanghai")
RAW_PERSONAL_DATA = re.compile(r"13812345678|zhang\.san@|19900307")


@pytest.fixture
def week(redis_client):
    made = build_week(redis_client)
    return made, cases.collect(redis_client, WEEK)


def test_resolved_handoffs_and_tickets_of_the_period_become_cases(week):
    made, found = week
    assert [c.case_id for c in found] == [
        f"handoff:{made['u2'].handoff_id}",
        f"ticket:{made['u4_ticket'].ticket_id}",
        f"ticket:{made['u5_ticket'].ticket_id}",
        f"handoff:{made['u6'].handoff_id}",
        f"ticket:{made['u6_ticket'].ticket_id}",
    ]  # not the handoff opened before the week, not u7's, still queued


def test_a_handoff_case(week):
    _, found = week
    case = found[0]
    assert (case.kind, case.channel, case.category, case.priority, case.handling, case.outcome) == (
        "handoff", "telegram", "complaint", "normal", "anger", "resolved")
    assert case.problem == "快递三天没到,电话138****5678"
    assert case.intents == ("complaint",) and case.agent == "alice"
    assert (case.created_at, case.claimed_at, case.resolved_at) == (
        local("2026-11-03 09:02"), local("2026-11-03 09:05"), local("2026-11-03 09:15"))
    assert (case.wait_seconds, case.handle_seconds, case.csat) == (180.0, 600.0, 5)
    follow_up = found[3]
    assert (follow_up.outcome, follow_up.handling, follow_up.csat, follow_up.handle_seconds) == (
        "follow_up", "vip_complaint", 2, 1800.0)
    assert "110***********1234" in follow_up.problem


def test_ticket_cases(week):
    _, found = week
    suggestion, callback, complaint = found[1], found[2], found[4]
    assert (suggestion.channel, suggestion.handling, suggestion.tags, suggestion.outcome, suggestion.csat) == (
        "wechat", "product", ("user_need",), "open", 4)
    assert suggestion.language == "zh"
    assert (callback.channel, callback.tags, callback.outcome, callback.csat) == (
        "socketio", ("callback", "explicit_request"), "resolved", None)  # channel from the tracker
    assert (complaint.remedy, complaint.order_number, complaint.outcome, complaint.csat) == (
        "refund", "DD2026110800001", "follow_up_due", 2)
    assert complaint.problem == "退款没到,邮箱z***@example.com"
    assert complaint.wait_seconds is None and complaint.handle_seconds is None


def test_customers_are_pseudonyms_stable_across_exports(week, redis_client):
    _, found = week
    again = cases.collect(redis_client, WEEK)
    assert [c.customer for c in found] == [c.customer for c in again]
    assert found[3].customer == found[4].customer != found[0].customer  # u6's handoff and ticket
    assert all(re.fullmatch(r"c-[0-9a-f]{12}", c.customer) for c in found)
    assert not any(c.customer in ("u2", "u4", "u6") for c in found)


def test_personal_data_is_masked_even_in_records_stored_unmasked():
    record = HandoffRecord(handoff_id="h1", conversation_id="c", channel="rest", category="inquiry",
                           priority="normal", reason="explicit_request", summary="call 13812345678", created_at=1.0,
                           status="resolved", claimed_at=2.0, resolved_at=3.0, outcome="resolved")
    assert cases.handoff_case(record, "c-x", []).problem == "call 138****5678"


def test_csv_export(week):
    _, found = week
    out = io.StringIO()
    assert cases.write(found, WEEK, "csv", out) == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == cases.COLUMNS
    assert rows[0]["created_at"] == "2026-11-03T09:02:00+08:00"
    assert rows[0]["wait_seconds"] == "180.0" and rows[0]["csat"] == "5"
    assert rows[2]["tags"] == "callback|explicit_request" and rows[2]["csat"] == ""
    assert not RAW_PERSONAL_DATA.search(out.getvalue())


def test_jsonl_export(week):
    _, found = week
    out = io.StringIO()
    cases.write(found, WEEK, "jsonl", out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(records) == 5
    assert records[1]["tags"] == ["user_need"] and records[1]["claimed_at"] is None and records[1]["csat"] == 4
    assert records[3]["resolved_at"] == "2026-11-08T08:12:00+08:00" and records[3]["handle_seconds"] == 1800.0
    assert not RAW_PERSONAL_DATA.search(out.getvalue())


def test_the_command_exports_to_a_file_and_to_stdout(week, embedded_redis, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REDIS_URL", embedded_redis.url)
    target = tmp_path / "cases.csv"
    assert cases.main(["export", "--since", "2026-11-02", "--until", "2026-11-08", "--format", "csv",
                       "--out", str(target)]) == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 6
    assert cases.main(["export", "--since", "2026-11-08", "--until", "2026-11-08", "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # u6's handoff and ticket
    assert cases.main(["export", "--since", "yesterday"]) == 2
