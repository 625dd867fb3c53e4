"""Routing in the console on a real Redis: who sees a waiting handoff, why, who may claim it, and agents' languages."""
from dataclasses import replace

import pytest

from tests.console.conftest import PASSWORD, bearer, login, open_handoff

START = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def routed(start_console, console_settings, user_store, clock):
    """A console whose handoffs fall back to everyone after 60 s; emma speaks English."""
    user_store.add("emma", PASSWORD, "agent", "Emma", ["en"])
    return start_console(replace(console_settings, routing_fallback_seconds=60), clock=clock)


async def queue_of(client, token):
    response = await client.get("/api/handoffs", headers=bearer(token))
    assert response.status == 200
    return await response.json()


async def test_an_english_handoff_is_in_the_english_speakers_queue_first_with_the_reason(routed, handoffs, clock):
    async with routed as client:
        emma, alice, boss = [await login(client, name) for name in ("emma", "alice", "boss")]
        english = open_handoff(handoffs, "en-user", language="en", created_at=START - 5)
        chinese = open_handoff(handoffs, "zh-user", created_at=START - 4)

        seen = await queue_of(client, emma)
        assert [(row["handoff_id"], row["routing"]["reason"]) for row in seen["queue"]] == [
            (english.handoff_id, "speaks_language")]
        assert seen["not_offered"] == 1  # the Chinese one: emma names only English
        alice_queue = await queue_of(client, alice)
        assert [row["handoff_id"] for row in alice_queue["queue"]] == [chinese.handoff_id]
        assert alice_queue["queue"][0]["position"] == 1 and alice_queue["not_offered"] == 1
        # A supervisor sees the whole queue, marked.
        boss_rows = {row["handoff_id"]: row["routing"] for row in (await queue_of(client, boss))["queue"]}
        assert boss_rows[english.handoff_id]["offered"] is False
        assert boss_rows[english.handoff_id]["open_to_all_at"] == START + 55

        # Not offered to alice yet: she may look but not claim.
        detail = await (await client.get(f"/api/handoffs/{english.handoff_id}", headers=bearer(alice))).json()
        assert detail["routing"]["reason"] == "not_offered" and detail["permissions"]["claim"] is False
        refused = await client.post(f"/api/handoffs/{english.handoff_id}/claim", headers=bearer(alice))
        assert refused.status == 403
        assert "speak en" in (await refused.json())["error"]

        # After the fallback wait everyone online sees it.
        clock.now = START + 56
        await queue_of(client, emma)  # emma is still at her desk
        rows = {row["handoff_id"]: row["routing"]["reason"] for row in (await queue_of(client, alice))["queue"]}
        assert rows == {english.handoff_id: "waited", chinese.handoff_id: "speaks_language"}
        claimed = await client.post(f"/api/handoffs/{english.handoff_id}/claim", headers=bearer(alice))
        assert claimed.status == 200


async def test_a_supervisor_may_claim_before_it_is_offered_to_them(routed, handoffs):
    async with routed as client:
        await login(client, "emma")
        english = open_handoff(handoffs, "en-user", language="en", created_at=START)
        boss = await login(client, "boss")
        response = await client.post(f"/api/handoffs/{english.handoff_id}/claim", headers=bearer(boss))
        assert response.status == 200 and (await response.json())["handoff"]["agent"] == "boss"


async def test_with_no_english_speaker_online_everyone_gets_it_at_once(routed, handoffs, clock):
    async with routed as client:
        english = open_handoff(handoffs, "en-user", language="en", created_at=START)
        alice = await login(client, "alice")
        rows = (await queue_of(client, alice))["queue"]
        assert [(r["handoff_id"], r["routing"]["reason"]) for r in rows] == [(english.handoff_id, "no_speaker_online")]


async def test_a_vip_dedicated_agent_sees_it_alone_first(routed, handoffs, clock):
    async with routed as client:
        alice, bob = await login(client, "alice"), await login(client, "bob")
        vip = open_handoff(handoffs, "vip-user", created_at=START, profile={"vip_tier": "gold", "dedicated_agent": "alice"})
        assert [r["routing"]["reason"] for r in (await queue_of(client, alice))["queue"]] == ["dedicated_agent"]
        assert (await queue_of(client, bob))["queue"] == []
        refused = await client.post(f"/api/handoffs/{vip.handoff_id}/claim", headers=bearer(bob))
        assert refused.status == 403 and "dedicated agent" in (await refused.json())["error"]


async def test_languages_are_set_by_supervisors_or_the_agent_and_survive_a_restart(routed, start_console, handoffs):
    async with routed as client:
        boss, alice = await login(client, "boss"), await login(client, "alice")
        english = open_handoff(handoffs, "en-user", language="en", created_at=START)
        await login(client, "emma")
        assert (await queue_of(client, alice))["queue"] == []
        changed = await client.put("/api/agents/alice/languages", json={"languages": ["zh", "en"]}, headers=bearer(boss))
        assert changed.status == 200 and (await changed.json())["languages"] == ["zh", "en"]
        assert [r["handoff_id"] for r in (await queue_of(client, alice))["queue"]] == [english.handoff_id]

        own = await client.put("/api/agents/bob/languages", json={"languages": ["en"]},
                               headers=bearer(await login(client, "bob")))
        assert own.status == 200
        for body, who, status in [
            ({"languages": ["en"]}, alice, 403),  # another agent's
            ({"languages": "en"}, boss, 400),
            ({"languages": ["fr"]}, boss, 400),
            ({"languages": [1]}, boss, 400),
            ({}, boss, 400),
        ]:
            response = await client.put("/api/agents/bob/languages", json=body, headers=bearer(who))
            assert response.status == status, (body, await response.text())
            assert "error" in await response.json()
        missing = await client.put("/api/agents/nobody/languages", json={"languages": []}, headers=bearer(boss))
        assert missing.status == 404
        bad_json = await client.put("/api/agents/bob/languages", data=b"{", headers=bearer(boss))
        assert bad_json.status == 400

    async with start_console() as restarted:
        boss = await login(restarted, "boss")
        agents = {a["username"]: a for a in (await (await restarted.get("/api/agents", headers=bearer(boss))).json())["agents"]}
        assert agents["alice"]["languages"] == ["zh", "en"] and agents["bob"]["languages"] == ["en"]
        assert agents["emma"]["languages"] == ["en"] and agents["boss"]["online"] is True
        assert (await restarted.get("/api/agents")).status == 401
