"""The emotion reading on the service side, and escalation's anger decided by it."""
import pytest

from bot.service.emotion import EmotionReading, emotion_of, latest_emotion, user_emotions
from bot.service.escalation import EscalationRules, Signals, anger_signals, decide
from bot.service.signals import gather
from bot.service.triage import Triage


@pytest.fixture(scope="module")
def rules():
    return EscalationRules.load()


def test_a_reading_is_read_from_parse_data_and_nonsense_is_ignored():
    assert emotion_of({"emotion": {"label": "angry", "score": 0.93}}) == EmotionReading("angry", 0.93)
    assert emotion_of({"emotion": {"label": "angry", "score": 1.7}}) == EmotionReading("angry", 1.0)
    for parse_data in ({}, None, {"emotion": "angry"}, {"emotion": {"label": "furious", "score": 0.9}},
                       {"emotion": {"label": "angry", "score": "high"}}, {"emotion": {"label": "angry", "score": True}}):
        assert emotion_of(parse_data) is None
    assert EmotionReading("angry", 0.9349).signal() == "emotion:angry:0.93"
    assert EmotionReading("anxious", 0.66666).as_dict() == {"label": "anxious", "score": 0.667}


def test_the_readings_of_a_conversation():
    events = [
        {"event": "user", "text": "气死了", "parse_data": {"emotion": {"label": "angry", "score": 0.9}}},
        {"event": "bot", "text": "抱歉"},
        {"event": "user", "text": "/handoff_resolved", "parse_data": {}},
    ]
    assert [r.label for r in user_emotions(events)] == ["angry"]
    assert latest_emotion(events, {"text": "/handoff_resolved"}) == EmotionReading("angry", 0.9)
    assert latest_emotion(events, {"emotion": {"label": "neutral", "score": 0.8}}) == EmotionReading("neutral", 0.8)
    assert latest_emotion([], {}) is None


def test_an_angry_reading_escalates_without_any_listed_word(rules):
    text = "钱付了半个月东西还没影子,当我好欺负"
    reading = EmotionReading("angry", 0.91)
    result = decide(rules, Signals(text=text, intent="complaint", category="complaint", emotion=reading))
    assert result is not None and result.reason == "anger"
    assert result.signals == ("emotion:angry:0.91",)


def test_the_words_stay_as_evidence_beside_the_reading(rules):
    fired = anger_signals(rules, Signals(text="又是这样!!!", emotion=EmotionReading("angry", 0.97)))
    assert fired[0] == "emotion:angry:0.97"
    assert "word:又是" in fired and "punctuation:!!!" in fired


def test_a_calm_message_with_listed_words_does_not_escalate(rules):
    text = "每次都很快就到了,第二次买了"  # two listed words, but praise
    assert decide(rules, Signals(text=text, intent="faq", emotion=EmotionReading("satisfied", 0.88))) is None
    # Without a reading (a model trained without the classifier) the words decide, as before.
    assert decide(rules, Signals(text=text, intent="faq")).reason == "anger"


def test_angry_below_the_minimum_score_is_not_anger(rules):
    unsure = EmotionReading("angry", rules.anger_min_score - 0.01)
    assert anger_signals(rules, Signals(text="嗯", emotion=unsure)) == ()
    sure = EmotionReading("angry", rules.anger_min_score)
    assert anger_signals(rules, Signals(text="嗯", emotion=sure)) == (sure.signal(),)


def test_gather_carries_the_reading_of_the_latest_message():
    latest = {"text": "你们太让人失望了", "intent": {"name": "complaint"}, "emotion": {"label": "angry", "score": 0.8}}
    signals = gather([{"event": "user", "text": latest["text"], "parse_data": latest}], latest,
                     Triage("complaint", "normal"), requests=("complaint",), priority="normal", vip=False,
                     complaints_in_window=0)
    assert signals.emotion == EmotionReading("angry", 0.8)
