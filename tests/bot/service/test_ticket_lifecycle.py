"""The ticket lifecycle in a real Redis: teams, transitions, history, assignees."""
import datetime as dt
import json

import pytest
import redis

from bot.handoff.store import EVENTS_STREAM
from bot.service import ticket_tags
from bot.service.ticket_rules import TicketRules
from bot.service.tickets import IllegalTransition, TicketNotFound, TicketStore
from tests.bot.settable_clock import Clock


@pytest.fixture
def rules():
    return TicketRules.load()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(redis_client, rules, clock):
    return TicketStore(redis_client, clock, rules)


def _make(store, tag, category="complaint", priority="normal", hours=24):
    return store.create("c1", category, priority, "订单没到,电话13812345678", dt.timedelta(hours=hours), tags=(tag, "x"))


def test_each_kind_of_ticket_goes_to_its_team(store):
    assert _make(store, ticket_tags.COMPLAINT).team == "quality"
    assert _make(store, ticket_tags.USER_NEED, "suggestion").team == "product"
    assert _make(store, ticket_tags.FAULT, "fault").team == "technical"
    assert _make(store, ticket_tags.CALLBACK, "inquiry").team == "agents"
    assert [t.team for t in store.for_team("quality")] == ["quality"]
    assert len(store.for_team("agents")) == 1


def test_a_ticket_moves_through_its_lifecycle_and_keeps_its_history(store, clock, redis_client):
    ticket = _make(store, ticket_tags.COMPLAINT)
    clock.at(60)
    store.assign(ticket.ticket_id, "qa1", actor="lead")
    clock.at(120)
    store.change_status(ticket.ticket_id, "in_progress", "qa1", note="called the courier")
    store.change_status(ticket.ticket_id, "waiting_user", "qa1", note="asked for a photo", told_user=True)
    store.change_status(ticket.ticket_id, "resolved", "qa1", note="refund sent to 13812345678")
    clock.at(180)
    done = store.change_status(ticket.ticket_id, "closed", "qa1")
    assert done.status == "closed" and done.assignee == "qa1" and done.closed_at > done.resolved_at > 0
    assert done.first_response_at == Clock().now.timestamp() + 120
    history = store.history(ticket.ticket_id)
    assert [(c.action, c.status_to, c.actor) for c in history] == [
        ("created", "open", "system"), ("assigned", "", "lead"), ("status", "in_progress", "qa1"),
        ("status", "waiting_user", "qa1"), ("status", "resolved", "qa1"), ("status", "closed", "qa1"),
    ]
    assert history[3].told_user and history[2].status_from == "open"
    assert "13812345678" not in history[4].note and "138****5678" in history[4].note
    events = [fields for _id, fields in redis_client.xrange(EVENTS_STREAM)]
    assert [e["type"] for e in events][-1] == "ticket_status" and events[-1]["team"] == "quality"
    assert store.get(ticket.ticket_id) == done


def test_illegal_transitions_and_unknown_tickets_are_refused_and_change_nothing(store):
    ticket = _make(store, ticket_tags.COMPLAINT)
    store.change_status(ticket.ticket_id, "closed", "qa1")
    with pytest.raises(IllegalTransition):
        store.change_status(ticket.ticket_id, "in_progress", "qa1")
    with pytest.raises(ValueError):
        store.change_status(ticket.ticket_id, "lost", "qa1")
    with pytest.raises(TicketNotFound):
        store.change_status("T000", "resolved", "qa1")
    with pytest.raises(TicketNotFound):
        store.add_note("T000", "qa1", "hello")
    assert store.get(ticket.ticket_id).status == "closed"
    assert len(store.history(ticket.ticket_id)) == 2


def test_a_resolved_complaint_is_due_a_return_visit_once_and_a_reopened_one_is_not(store, clock):
    complaint = _make(store, ticket_tags.COMPLAINT)
    idea = _make(store, ticket_tags.USER_NEED, "suggestion")
    urgent_fault = _make(store, ticket_tags.FAULT, "fault", priority="high")
    for ticket in (complaint, idea, urgent_fault):
        store.change_status(ticket.ticket_id, "resolved", "qa1")
    clock.at(86400 - 1)
    assert store.return_visits_due() == []
    clock.at(86400 + 1)
    due = {t.ticket_id for t in store.return_visits_due()}
    assert due == {complaint.ticket_id, urgent_fault.ticket_id}
    assert store.mark_return_visit(complaint.ticket_id) is True
    assert store.mark_return_visit(complaint.ticket_id) is False  # a second scheduler round, or a restart
    store.change_status(urgent_fault.ticket_id, "in_progress", "tech1", note="reopened")
    assert store.return_visits_due() == []


def test_reminders_and_escalation_are_made_once(store, clock):
    ticket = _make(store, ticket_tags.COMPLAINT, hours=1)
    clock.at(3600 + 1)
    assert store.mark_follow_ups_due() == [ticket.ticket_id]
    assert store.mark_follow_ups_due() == []
    assert store.mark_reminded(ticket.ticket_id, "quality", every=4 * 3600)
    assert not store.mark_reminded(ticket.ticket_id, "quality", every=4 * 3600)
    clock.at(3600 + 4 * 3600 + 2)
    assert store.mark_reminded(ticket.ticket_id, "quality", every=4 * 3600)
    assert store.mark_escalated(ticket.ticket_id)
    assert not store.mark_escalated(ticket.ticket_id)
    assert [c.action for c in store.history(ticket.ticket_id)][-4:] == ["status", "reminded", "reminded", "escalated"]


def test_old_ticket_records_without_the_new_fields_still_read(store, redis_client):
    ticket = _make(store, ticket_tags.COMPLAINT)
    redis_client.hdel(f"cs:ticket:{ticket.ticket_id}", "team", "assignee", "updated_at")
    redis_client.hset(f"cs:ticket:{ticket.ticket_id}", "a_field_from_the_future", json.dumps(1))
    assert store.get(ticket.ticket_id).team == ""


def test_a_redis_restart_keeps_every_change(embedded_redis, rules, clock):
    client = redis.Redis.from_url(embedded_redis.url, decode_responses=True)
    store = TicketStore(client, clock, rules)
    ticket = _make(store, ticket_tags.COMPLAINT)
    store.assign(ticket.ticket_id, "qa1", actor="lead")
    store.change_status(ticket.ticket_id, "resolved", "qa1", note="refunded")
    client.close()
    embedded_redis.stop()  # SIGTERM: Redis writes its append-only file, as the launcher stops it
    embedded_redis.start()
    again = TicketStore(redis.Redis.from_url(embedded_redis.url, decode_responses=True), clock, rules)
    assert again.get(ticket.ticket_id).status == "resolved"
    assert [c.action for c in again.history(ticket.ticket_id)] == ["created", "assigned", "status"]
    clock.at(86400 + 1)
    assert [t.ticket_id for t in again.return_visits_due()] == [ticket.ticket_id]
