"""action_validate_slot_mappings: the emotion slots and the anger escalation from the classifier's reading."""
import datetime as dt

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.triage import ValidateSlotMappings
from bot.backends.customers import DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend
from bot.service.escalation import EscalationRules
from bot.service.triage import TriageRules
from tests.actions.conftest import make_tracker


@pytest.fixture
def action():
    return ValidateSlotMappings(
        TriageRules.load(), DemoCustomerDirectory(), DemoOrderBackend(), lambda: dt.date(2026, 11, 23),
        escalation_rules=EscalationRules.load(), complaints_in_window=lambda conversation: 0,
    )


def with_emotion(text, intent, label, score):
    tracker = make_tracker(text, intent=intent)
    tracker.latest_message["emotion"] = {"label": label, "score": score}
    return tracker


async def test_the_slots_take_the_reading_and_stay_as_they_are_without_one(action):
    dispatcher = CollectingDispatcher()
    tracker = with_emotion("谢谢,解决了", "thank", "satisfied", 0.8766)
    assert await action.extract_emotion(dispatcher, tracker, {}) == {"emotion": "satisfied"}
    assert await action.extract_emotion_score(dispatcher, tracker, {}) == {"emotion_score": 0.877}
    plain = make_tracker("你好", intent="greet")
    assert await action.extract_emotion(dispatcher, plain, {}) == {}
    assert await action.extract_emotion_score(dispatcher, plain, {}) == {}


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_anger_without_any_listed_word_hands_over_and_calm_listed_words_do_not(action):
    angry = with_emotion("钱都付了半个月了货还没影子,当我好欺负", "complaint", "angry", 0.93)
    slots = slot_events(action.escalation_events(angry))
    assert slots["handoff_reason"] == "anger"
    assert slots["handoff_signals"][0] == "emotion:angry:0.93"
    calm = with_emotion("每次都很快就到了,第二次买了", "thank", "satisfied", 0.9)
    assert "handoff_reason" not in slot_events(action.escalation_events(calm))
