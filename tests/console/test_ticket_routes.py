"""The ticket routes on a real Redis: who sees which ticket, changes with history, the user told."""
import datetime as dt
import json

import pytest

from bot.handoff.outbox import stream_key
from bot.service import ticket_tags
from bot.wiring import Wiring
from tests.console.conftest import bearer, login, open_handoff


@pytest.fixture
def wiring(console_settings, redis_client):
    return Wiring(console_settings, redis_client)


@pytest.fixture
def members(user_store):
    user_store.add("qa1", "password-123", "agent", "品控小李")
    user_store.set_teams("qa1", ["quality"])
    user_store.add("dev1", "password-123", "agent")
    user_store.set_teams("dev1", "technical")
    return user_store


def complaint(wiring, conversation="tg-7", language="en"):
    wiring.reach.user_wrote(conversation, (conversation.startswith("tg-") and "telegram") or "socketio", language)
    return wiring.tickets.create(conversation, "complaint", "normal", "parcel lost, phone 13812345678",
                                 dt.timedelta(hours=24), tags=(ticket_tags.COMPLAINT, "delivery"))


def outbox(redis_client, channel):
    return [json.loads(fields["message"]) for _, fields in redis_client.xrange(stream_key(channel))]


async def test_a_complaint_goes_to_quality_and_its_members_see_it_others_do_not(client, wiring, members):
    ticket = complaint(wiring)
    fault = wiring.tickets.create("tg-8", "fault", "high", "app crashes", dt.timedelta(hours=4), tags=(ticket_tags.FAULT,))
    qa, dev, alice, boss = [await login(client, name) for name in ("qa1", "dev1", "alice", "boss")]
    listed = await (await client.get("/api/tickets", headers=bearer(qa))).json()
    assert [t["ticket_id"] for t in listed["tickets"]] == [ticket.ticket_id]
    assert listed["tickets"][0]["team"] == "quality" and "13812345678" not in json.dumps(listed)
    everything = await (await client.get("/api/tickets", headers=bearer(boss))).json()
    assert {t["ticket_id"] for t in everything["tickets"]} == {ticket.ticket_id, fault.ticket_id}
    assert (await client.get(f"/api/tickets/{ticket.ticket_id}", headers=bearer(dev))).status == 403
    assert (await client.get("/api/tickets?team=quality", headers=bearer(alice))).status == 403
    technical = await (await client.get("/api/tickets?status=open&due=today", headers=bearer(dev))).json()
    assert [t["ticket_id"] for t in technical["tickets"]] == [fault.ticket_id]


async def test_a_status_change_is_recorded_and_reaches_the_user_in_their_language(client, wiring, members, handoffs, redis_client):
    ticket = complaint(wiring)
    open_handoff(handoffs, "tg-7")
    qa = await login(client, "qa1")
    response = await client.post(f"/api/tickets/{ticket.ticket_id}/assign", json={"assignee": "qa1"}, headers=bearer(qa))
    assert response.status == 200, await response.text()
    response = await client.post(f"/api/tickets/{ticket.ticket_id}/status", headers=bearer(qa),
                                 json={"status": "in_progress", "note": "asked the courier"})
    body = await response.json()
    assert response.status == 200 and body["ticket"]["status"] == "in_progress"
    assert body["delivery"]["how"] == "sent" and body["delivery"]["language"] == "en"
    sent = outbox(redis_client, "telegram")
    assert len(sent) == 1 and sent[0]["conversation_id"] == "tg-7"
    assert ticket.ticket_id in sent[0]["text"] and "quality team" in sent[0]["text"]
    response = await client.post(f"/api/tickets/{ticket.ticket_id}/notes", headers=bearer(qa),
                                 json={"text": "The courier found it; it arrives tomorrow.", "tell_user": True})
    assert response.status == 201
    assert "arrives tomorrow" in outbox(redis_client, "telegram")[-1]["text"]
    await client.post(f"/api/tickets/{ticket.ticket_id}/notes", headers=bearer(qa), json={"text": "internal only"})
    assert len(outbox(redis_client, "telegram")) == 2
    detail = await (await client.get(f"/api/tickets/{ticket.ticket_id}", headers=bearer(qa))).json()
    assert [(c["action"], c["actor"]) for c in detail["history"]] == [
        ("created", "system"), ("assigned", "qa1"), ("status", "qa1"), ("note", "qa1"), ("note", "qa1")]
    assert detail["handoffs"][0]["transcript"][0]["text"].count("****") == 1  # the phone, masked
    assert detail["allowed_statuses"] == ["waiting_user", "follow_up_due", "resolved"]


async def test_a_web_user_who_left_hears_at_the_next_visit(client, wiring, members, redis_client):
    ticket = complaint(wiring, conversation="web-session-1", language="zh")
    qa = await login(client, "qa1")
    response = await client.post(f"/api/tickets/{ticket.ticket_id}/status", headers=bearer(qa),
                                 json={"status": "resolved", "note": "已为您退款。"})
    assert (await response.json())["delivery"]["how"] == "next_visit"
    assert outbox(redis_client, "socketio") == []
    held = wiring.reach.take_for_visit("web-session-1")
    assert len(held) == 1 and "已为您退款" in held[0].text and ticket.ticket_id in held[0].text


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/tickets/T2026112399999/status", {"status": "resolved"}, 404),
    ("/api/tickets/not-a-ticket/status", {"status": "resolved"}, 404),
    ("/api/tickets/{id}/status", {"status": "lost"}, 400),
    ("/api/tickets/{id}/status", {}, 400),
    ("/api/tickets/{id}/status", {"status": "resolved", "note": "x" * 1001}, 400),
    ("/api/tickets/{id}/status", {"status": "resolved", "tell_user": "yes"}, 400),
    ("/api/tickets/{id}/notes", {"text": ""}, 400),
    ("/api/tickets/{id}/notes", {"text": "y" * 1001}, 400),
    ("/api/tickets/{id}/assign", {"assignee": "nobody"}, 400),
])
async def test_bad_input_gets_a_clear_4xx_and_changes_nothing(client, wiring, members, path, body, status):
    ticket = complaint(wiring)
    qa = await login(client, "qa1")
    response = await client.post(path.replace("{id}", ticket.ticket_id), json=body, headers=bearer(qa))
    assert response.status == status, await response.text()
    assert "error" in await response.json()
    assert len(wiring.tickets.history(ticket.ticket_id)) == 1


async def test_an_illegal_transition_is_409_and_an_anonymous_caller_401(client, wiring, members):
    ticket = complaint(wiring)
    qa = await login(client, "qa1")
    await client.post(f"/api/tickets/{ticket.ticket_id}/status", json={"status": "closed"}, headers=bearer(qa))
    response = await client.post(f"/api/tickets/{ticket.ticket_id}/status", json={"status": "in_progress"}, headers=bearer(qa))
    assert response.status == 409 and "closed" in (await response.json())["error"]
    assert (await client.get("/api/tickets")).status == 401
    assert (await client.get("/api/tickets?due=someday", headers=bearer(qa))).status == 400


async def test_a_console_restart_loses_no_change(start_console, wiring, members):
    ticket = complaint(wiring)
    async with start_console() as first:
        qa = await login(first, "qa1")
        await first.post(f"/api/tickets/{ticket.ticket_id}/status", json={"status": "in_progress"}, headers=bearer(qa))
    async with start_console() as second:
        qa = await login(second, "qa1")
        detail = await (await second.get(f"/api/tickets/{ticket.ticket_id}", headers=bearer(qa))).json()
    assert detail["ticket"]["status"] == "in_progress"
    assert [c["status_to"] for c in detail["history"]] == ["open", "in_progress"]


async def test_an_overdue_ticket_raised_by_the_scheduler_reaches_the_supervisors_overdue_list(client, wiring, members, redis_client):
    from bot.handoff.store import EVENTS_STREAM
    from bot.ops.scheduler import jobs_for

    wiring.reach.user_wrote("tg-9", "telegram", "zh")
    ticket = wiring.tickets.create("tg-9", "complaint", "normal", "no answer yet", dt.timedelta(hours=-5),
                                   tags=(ticket_tags.COMPLAINT,))  # promised 5 hours ago
    done = jobs_for(wiring).run_once()
    assert done.escalated == [ticket.ticket_id]
    events = [fields for _id, fields in redis_client.xrange(EVENTS_STREAM)]
    assert {"type": "ticket_escalated", "ticket_id": ticket.ticket_id, "owner": "supervisor"}.items() <= events[-1].items()
    boss = await login(client, "boss")
    overdue = await (await client.get("/api/tickets?due=overdue", headers=bearer(boss))).json()
    [row] = overdue["tickets"]
    assert row["ticket_id"] == ticket.ticket_id and row["escalated_at"] > 0 and row["status"] == "follow_up_due"
