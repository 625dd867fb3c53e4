"""On the real stack: the emotion classifier's reading reaches the tracker, the slots and the anger escalation."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import say, tracker

pytestmark = pytest.mark.slow


def latest_user_event(events):
    return next(e for e in reversed(events) if e["event"] == "user")


def test_anger_is_measured_and_calm_words_are_not_anger(stack, settings):
    say(settings, "angry-e2e", "你们这什么破服务")  # no word of the anger lists
    state = tracker(settings, "angry-e2e")
    reading = latest_user_event(state["events"])["parse_data"]["emotion"]
    assert reading["label"] == "angry" and 0.5 <= reading["score"] <= 1.0
    assert state["slots"]["emotion"] == "angry" and state["slots"]["emotion_score"] == pytest.approx(reading["score"], abs=1e-3)
    assert state["slots"]["handoff_reason"] == "anger"
    assert state["slots"]["handoff_signals"][0].startswith("emotion:angry:")

    say(settings, "calm-e2e", "每次都很快就到了,很喜欢")  # two listed words, but praise
    calm = tracker(settings, "calm-e2e")["slots"]
    assert calm["emotion"] == "satisfied"
    assert not calm.get("handoff_reason")
