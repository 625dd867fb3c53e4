"""What the console shows of a handoff: masking, wait times, permissions, alerts."""
from bot.handoff.store import HandoffRecord
from console.users import User
from console.views import alerts, masked, permissions, summary_view, wait_seconds

AGENT, OTHER, BOSS = User("alice", "agent", "A"), User("bob", "agent", "B"), User("boss", "supervisor", "S")


def record(**extra):
    fields = dict(handoff_id="h", conversation_id="c", channel="rest", category="complaint", priority="high",
                  reason="anger", summary="", created_at=100.0)
    fields.update(extra)
    return HandoffRecord(**fields)


def test_masked_walks_lists_and_dicts():
    value = {"phone": "13812345678", "more": ["身份证110101199003071234", 5, None], "n": 1}
    assert masked(value) == {"phone": "138****5678", "more": ["身份证110***********1234", 5, None], "n": 1}


def test_a_queue_row_says_why_its_priority_is_high():
    row = summary_view(record(priority_reasons=["money_lost", "vip"]), now=160.0, position=1)
    assert (row["priority"], row["priority_reasons"]) == ("high", ["money_lost", "vip"])
    assert summary_view(record(), now=160.0, position=1)["priority_reasons"] == []


def test_wait_until_claim_or_now():
    assert wait_seconds(record(), now=160.0) == 60.0
    assert wait_seconds(record(claimed_at=130.0, status="assigned"), now=900.0) == 30.0


def test_permissions_follow_ownership():
    queued = record()
    assert permissions(queued, AGENT) == {"claim": True, "reply": False, "note": True, "transfer": False, "resolve": False}
    assert permissions(queued, BOSS)["resolve"] is True
    mine = record(status="assigned", agent="alice")
    assert permissions(mine, AGENT)["reply"] and not permissions(mine, OTHER)["reply"] and permissions(mine, BOSS)["resolve"]


def test_alerts_for_repeat_complainers_and_vips():
    assert alerts(record(complaints_in_window=2), 3, 180) == []
    found = alerts(record(complaints_in_window=3, profile={"vip_tier": "gold"}), 3, 180)
    assert found == [{"type": "repeat_complaints", "count": 3, "days": 180}, {"type": "vip", "tier": "gold"}]
