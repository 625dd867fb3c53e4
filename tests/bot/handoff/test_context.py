"""What the agent sees at a glance: the emotion of the handed-over conversation."""
import pytest

from bot.handoff.context import build_record
from bot.knowledge.base import KnowledgeBase
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def knowledge():
    return KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")


def record_for(knowledge, events, latest, slots=None):
    record, _ = build_record(
        conversation_id="c1", channel="rest", events=events, slots=slots or {"language": "zh"},
        latest_message=latest, reason="anger", signals=["emotion:angry:0.93", "word:又是"], profile={},
        complaints_in_window=0, knowledge=knowledge, now=1000.0,
    )
    return record


def test_the_record_carries_the_emotion_beside_the_signals(knowledge):
    latest = {"text": "又是这样,你们到底管不管", "emotion": {"label": "angry", "score": 0.9312}}
    events = [{"event": "user", "text": latest["text"], "timestamp": 999.0, "parse_data": latest}]
    slots = {"language": "zh", "emotion": "angry", "emotion_score": 0.931}
    record = record_for(knowledge, events, latest, slots)
    assert record.emotion == {"label": "angry", "score": 0.931}
    assert record.signals == ["emotion:angry:0.93", "word:又是"]
    assert "emotion" not in record.slots and "emotion_score" not in record.slots  # shown once, on the record


def test_a_message_without_a_reading_shows_the_latest_reading_before_it(knowledge):
    angry = {"text": "气死了", "emotion": {"label": "angry", "score": 0.8}}
    events = [{"event": "user", "text": "气死了", "timestamp": 1.0, "parse_data": angry},
              {"event": "user", "text": "/handoff", "timestamp": 2.0, "parse_data": {}}]
    assert record_for(knowledge, events, {"text": "/handoff"}).emotion == {"label": "angry", "score": 0.8}
    assert record_for(knowledge, [], {"text": "hi"}).emotion == {}
