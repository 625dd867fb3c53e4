"""The handoff gate on a real Redis."""
from bot.handoff.gate import HandoffGate
from bot.handoff.store import HandoffRecord, HandoffStore


def test_the_bot_answers_until_a_person_has_the_conversation(redis_client):
    gate = HandoffGate(redis_client)
    assert gate.route("rest", "u1", "你好").to_bot
    store = HandoffStore(redis_client)
    opened = store.open(HandoffRecord("", "u1", "rest", "complaint", "normal", "anger", "…", 1.0), [])
    decision = gate.route("rest", "u1", "还在吗?我的卡号6222021234567890123")
    assert decision.to_agent and decision.handoff_id == opened.handoff_id
    assert store.transcript(opened.handoff_id)[-1].text == "还在吗?我的卡号6222***********0123"
    store.resolve(opened.handoff_id)
    assert gate.route("rest", "u1", "谢谢").to_bot


def test_a_redelivered_message_is_dropped(redis_client):
    gate = HandoffGate(redis_client)
    assert gate.route("telegram", "u2", "hi", message_id="42").to_bot
    again = gate.route("telegram", "u2", "hi", message_id="42")
    assert again.duplicate and not again.to_bot and not again.to_agent
    assert gate.route("wechat", "u2", "hi", message_id="42").to_bot  # ids are per channel
