"""The handoff routes on a real Redis: queue, detail, claims, replies, notes, transfers, resolving."""
import asyncio
import datetime as dt
import json
import time

import pytest

from bot.handoff.outbox import stream_key
from bot.handoff.store import Turn
from console.users import UserStore
from tests.console.conftest import CHEAP, PASSWORD, bearer, login, open_handoff


def outbox(redis_client, channel):
    return [json.loads(fields["message"]) for _, fields in redis_client.xrange(stream_key(channel))]


async def claimed_by(client, handoffs, username, conversation="c1", **extra):
    opened = open_handoff(handoffs, conversation, **extra)
    token = await login(client, username)
    response = await client.post(f"/api/handoffs/{opened.handoff_id}/claim", headers=bearer(token))
    assert response.status == 200, await response.text()
    return opened, token


async def test_the_queue_is_by_priority_then_wait_with_positions(client, handoffs):
    now = time.time()
    low = open_handoff(handoffs, "a", priority="low", created_at=now - 500)
    old = open_handoff(handoffs, "b", created_at=now - 300)
    high = open_handoff(handoffs, "c", priority="high", created_at=now - 10)
    token = await login(client, "alice")
    body = await (await client.get("/api/handoffs", headers=bearer(token))).json()
    assert [h["handoff_id"] for h in body["queue"]] == [high.handoff_id, old.handoff_id, low.handoff_id]
    assert [h["position"] for h in body["queue"]] == [1, 2, 3]
    assert 299 <= body["queue"][1]["wait_seconds"] <= 310
    assert body["mine"] == [] and "team" not in body
    assert "138****5678" in body["queue"][0]["summary"]


async def test_claimed_handoffs_show_as_mine_and_as_the_team_for_supervisors(client, handoffs):
    opened, _ = await claimed_by(client, handoffs, "alice")
    alice = await (await client.get("/api/handoffs", headers=bearer(await login(client, "alice")))).json()
    assert alice["queue"] == [] and [h["handoff_id"] for h in alice["mine"]] == [opened.handoff_id]
    boss = await (await client.get("/api/handoffs", headers=bearer(await login(client, "boss")))).json()
    assert boss["mine"] == [] and [h["agent"] for h in boss["team"]] == ["alice"]


async def test_the_detail_masks_personal_data_and_suggests_answers(client, handoffs):
    opened = open_handoff(
        handoffs, "d1", slots={"phone": "13812345678", "id_card": "110101199003071234", "order_id": "DD2026112300001"},
        transcript=[Turn("user", "怎么修改密码?我的卡号6222021234567890123", 1.0), Turn("bot", "请稍等", 2.0)],
        complaints_in_window=3, profile={"customer_id": "C1", "vip_tier": "gold"},
    )
    token = await login(client, "alice")
    body = await (await client.get(f"/api/handoffs/{opened.handoff_id}", headers=bearer(token))).json()
    assert body["handoff"]["slots"]["phone"] == "138****5678"
    assert "19900307" not in body["handoff"]["slots"]["id_card"]
    assert body["handoff"]["slots"]["order_id"] == "DD2026112300001"
    assert "6222021234567890123" not in body["transcript"][0]["text"]
    assert body["suggestions"][0]["faq_id"] == "change_password"
    assert {"type": "repeat_complaints", "count": 3, "days": 180} in body["alerts"]
    assert body["position"] == 1 and body["permissions"]["claim"] is True and body["permissions"]["reply"] is False


async def test_a_sender_id_that_is_a_phone_or_an_email_is_shown_masked(client, handoffs):
    phone = open_handoff(handoffs, "13812345678")
    mail = open_handoff(handoffs, "alice.wong@example.com")
    token = await login(client, "alice")
    queue = await (await client.get("/api/handoffs", headers=bearer(token))).json()
    shown = json.dumps(queue, ensure_ascii=False)
    assert "13812345678" not in shown and "alice.wong@example.com" not in shown and "138****5678" in shown
    for opened, raw in ((phone, "13812345678"), (mail, "alice.wong@example.com")):
        body = await (await client.get(f"/api/handoffs/{opened.handoff_id}", headers=bearer(token))).json()
        assert raw not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("path", ["/api/handoffs/nope", "/api/handoffs/x:transcript", "/api/handoffs/" + "a" * 80])
async def test_unknown_handoffs_are_404(client, path):
    token = await login(client, "boss")
    for method, suffix in [("GET", ""), ("POST", "/claim"), ("POST", "/messages"), ("POST", "/notes"),
                           ("POST", "/transfer"), ("POST", "/resolve")]:
        response = await client.request(method, path + suffix, headers=bearer(token), json={"text": "hi", "to": "boss"})
        assert response.status == 404, (method, suffix)
        assert "error" in await response.json()


async def test_of_fifty_concurrent_claims_exactly_one_wins(client, handoffs, redis_client):
    store = UserStore(redis_client, cost=CHEAP)
    for n in range(50):
        store.add(f"agent{n}", PASSWORD, "agent")
    tokens = await asyncio.gather(*(login(client, f"agent{n}") for n in range(50)))
    opened = open_handoff(handoffs, "race")

    async def claim(token):
        response = await client.post(f"/api/handoffs/{opened.handoff_id}/claim", headers=bearer(token))
        await response.read()
        return response.status

    statuses = await asyncio.gather(*(claim(t) for t in tokens))
    assert statuses.count(200) == 1 and statuses.count(409) == 49
    winner = tokens[statuses.index(200)]
    me = await (await client.get("/api/me", headers=bearer(winner))).json()
    assert handoffs.get(opened.handoff_id).agent == me["username"]


async def test_a_reply_reaches_the_users_channel_and_the_transcript(client, handoffs, redis_client):
    opened, token = await claimed_by(client, handoffs, "alice", channel="wechat")
    response = await client.post(f"/api/handoffs/{opened.handoff_id}/messages", headers=bearer(token),
                                 json={"text": "您好,我是客服小王,马上帮您查询"})
    assert response.status == 201
    [message] = outbox(redis_client, "wechat")
    assert message == {**message, "kind": "text", "channel": "wechat", "conversation_id": "c1",
                       "text": "您好,我是客服小王,马上帮您查询", "agent": "alice", "handoff_id": opened.handoff_id}
    assert handoffs.transcript(opened.handoff_id)[-1].role == "agent"
    assert outbox(redis_client, "telegram") == []


async def test_notes_stay_inside(client, handoffs, redis_client):
    opened, token = await claimed_by(client, handoffs, "alice")
    response = await client.post(f"/api/handoffs/{opened.handoff_id}/notes", headers=bearer(token),
                                 json={"text": "客户情绪激动,先安抚"})
    assert response.status == 201
    assert handoffs.transcript(opened.handoff_id)[-1].role == "note"
    assert outbox(redis_client, "telegram") == []


async def test_only_the_assigned_agent_or_a_supervisor_may_reply(client, handoffs):
    opened, _ = await claimed_by(client, handoffs, "alice")
    bob, boss = await login(client, "bob"), await login(client, "boss")
    url = f"/api/handoffs/{opened.handoff_id}/messages"
    assert (await client.post(url, headers=bearer(bob), json={"text": "hi"})).status == 403
    assert (await client.post(url, headers=bearer(boss), json={"text": "主管来了"})).status == 201
    queued = open_handoff(handoffs, "c2")
    assert (await client.post(f"/api/handoffs/{queued.handoff_id}/messages", headers=bearer(boss),
                              json={"text": "hi"})).status == 409


async def test_an_agent_cannot_resolve_anothers_handoff_but_a_supervisor_can(client, handoffs, redis_client):
    opened, alice = await claimed_by(client, handoffs, "alice")
    await client.post(f"/api/handoffs/{opened.handoff_id}/messages", headers=bearer(alice), json={"text": "第一句"})
    await client.post(f"/api/handoffs/{opened.handoff_id}/notes", headers=bearer(alice), json={"text": "内部备注"})
    await client.post(f"/api/handoffs/{opened.handoff_id}/messages", headers=bearer(alice), json={"text": "第二句"})
    url = f"/api/handoffs/{opened.handoff_id}/resolve"
    bob = await login(client, "bob")
    refused = await client.post(url, headers=bearer(bob), json={"outcome": "resolved"})
    assert refused.status == 403 and "error" in await refused.json()
    boss = await login(client, "boss")
    response = await client.post(url, headers=bearer(boss), json={"outcome": "resolved"})
    assert response.status == 200 and (await response.json())["handoff"]["status"] == "resolved"
    assert handoffs.state("c1") == "bot"
    handback = outbox(redis_client, "telegram")[-1]
    assert handback["kind"] == "handback" and handback["conversation_id"] == "c1"
    assert handback["handoff_id"] == opened.handoff_id and handback["agent"] == "boss"
    assert [(t["text"], t["agent"]) for t in handback["turns"]] == [("第一句", "alice"), ("第二句", "alice")]
    assert all(isinstance(t["at"], float) for t in handback["turns"])
    again = await client.post(url, headers=bearer(boss), json={"outcome": "resolved"})
    assert again.status == 409


async def test_an_agent_resolves_their_own_with_a_follow_up(client, handoffs):
    opened, alice = await claimed_by(client, handoffs, "alice")
    url = f"/api/handoffs/{opened.handoff_id}/resolve"
    missing = await client.post(url, headers=bearer(alice), json={"outcome": "follow_up"})
    assert missing.status == 400
    past = await client.post(url, headers=bearer(alice), json={"outcome": "follow_up", "follow_up_at": "2001-01-01T00:00:00Z"})
    assert past.status == 400
    assert (await client.post(url, headers=bearer(alice), json={"outcome": "maybe"})).status == 400
    response = await client.post(url, headers=bearer(alice), json={"outcome": "follow_up", "follow_up_at": "2099-05-01T09:30:00+08:00"})
    assert response.status == 200
    record = handoffs.get(opened.handoff_id)
    due = dt.datetime(2099, 5, 1, 1, 30, tzinfo=dt.timezone.utc).timestamp()
    assert record.outcome == "follow_up" and record.follow_up_at == due


async def test_an_agent_must_claim_before_resolving(client, handoffs):
    queued = open_handoff(handoffs, "q")
    alice = await login(client, "alice")
    assert (await client.post(f"/api/handoffs/{queued.handoff_id}/resolve", headers=bearer(alice), json={})).status == 409


async def test_transfer_goes_only_to_a_supervisor(client, handoffs):
    opened, alice = await claimed_by(client, handoffs, "alice")
    url = f"/api/handoffs/{opened.handoff_id}/transfer"
    assert (await client.post(url, headers=bearer(alice), json={"to": "bob"})).status == 400
    assert (await client.post(url, headers=bearer(alice), json={"to": "ghost"})).status == 400
    assert (await client.post(url, headers=bearer(await login(client, "bob")), json={"to": "boss"})).status == 403
    response = await client.post(url, headers=bearer(alice), json={"to": "boss"})
    assert response.status == 200 and handoffs.get(opened.handoff_id).agent == "boss"
    assert (await client.post(f"/api/handoffs/{opened.handoff_id}/messages", headers=bearer(alice), json={"text": "x"})).status == 403


@pytest.mark.parametrize("raw", [b"not json", b"", b"[]", b'"text"', b'{"text": 5}', b'{"text": "   "}', b"{\"text\": \"\\ud800\"}"])
async def test_bad_bodies_are_400_never_500(client, handoffs, raw):
    opened, token = await claimed_by(client, handoffs, "alice")
    for suffix in ("messages", "notes", "transfer", "resolve"):
        if suffix == "resolve" and raw in (b'{"text": 5}', b'{"text": "   "}', b"{\"text\": \"\\ud800\"}"):
            continue  # these are valid resolve bodies (outcome defaults to resolved)
        response = await client.post(f"/api/handoffs/{opened.handoff_id}/{suffix}", data=raw,
                                     headers={**bearer(token), "Content-Type": "application/json"})
        assert response.status == 400, (suffix, raw, await response.text())
        assert "error" in await response.json()


async def test_a_text_that_is_too_long_is_400(client, handoffs):
    opened, token = await claimed_by(client, handoffs, "alice")
    response = await client.post(f"/api/handoffs/{opened.handoff_id}/messages", headers=bearer(token), json={"text": "好" * 5000})
    assert response.status == 400


async def test_a_handoff_survives_a_console_restart(start_console, handoffs):
    opened = open_handoff(handoffs, "durable")
    async with start_console() as first:
        token = await login(first, "alice")
        assert (await first.post(f"/api/handoffs/{opened.handoff_id}/claim", headers=bearer(token))).status == 200
        await first.post(f"/api/handoffs/{opened.handoff_id}/messages", headers=bearer(token), json={"text": "在的"})
    async with start_console() as second:
        body = await (await second.get(f"/api/handoffs/{opened.handoff_id}", headers=bearer(token))).json()
        assert body["handoff"]["status"] == "assigned" and body["handoff"]["agent"] == "alice"
        assert [t["text"] for t in body["transcript"]][-1] == "在的"
        mine = await (await second.get("/api/handoffs", headers=bearer(token))).json()
        assert [h["handoff_id"] for h in mine["mine"]] == [opened.handoff_id]
