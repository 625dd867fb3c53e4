"""The emotion a user message shows, as the NLU's emotion classifier measured it (no Rasa import).

``bot.nlu.emotion_classifier.EmotionClassifier`` writes ``{"label": …, "score": …}`` under the
``emotion`` key of every parsed message, so it is in each user event's ``parse_data`` and in
``tracker.latest_message``. Everything on the service side reads it through :func:`emotion_of`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EMOTIONS = ("angry", "anxious", "neutral", "satisfied")
PARSE_KEY = "emotion"


@dataclass(frozen=True)
class EmotionReading:
    """One message's emotion: the classifier's label and its confidence in it."""

    label: str  # one of EMOTIONS
    score: float  # 0..1, the classifier's confidence in label

    def signal(self) -> str:
        """The escalation signal for this reading, e.g. ``emotion:angry:0.93``."""
        return f"emotion:{self.label}:{self.score:.2f}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, score rounded for display."""
        return {"label": self.label, "score": round(self.score, 3)}


def emotion_of(parse_data: Mapping[str, Any] | None) -> EmotionReading | None:
    """The reading in a user event's ``parse_data`` (or ``latest_message``); None if there is none."""
    raw = (parse_data or {}).get(PARSE_KEY)
    if not isinstance(raw, Mapping):
        return None
    label, score = raw.get("label"), raw.get("score")
    if label not in EMOTIONS or not isinstance(score, int | float) or isinstance(score, bool):
        return None
    return EmotionReading(str(label), min(1.0, max(0.0, float(score))))


def user_emotions(events: Sequence[Mapping[str, Any]]) -> list[EmotionReading]:
    """The readings of the user messages among ``events`` (Rasa tracker events as dicts), oldest first."""
    readings = []
    for event in events:
        if event.get("event") == "user":
            reading = emotion_of(event.get("parse_data"))
            if reading is not None:
                readings.append(reading)
    return readings


def latest_emotion(events: Sequence[Mapping[str, Any]], latest_message: Mapping[str, Any] | None = None) -> EmotionReading | None:
    """The reading of ``latest_message``, else of the newest user message among ``events`` that has one."""
    reading = emotion_of(latest_message)
    if reading is not None:
        return reading
    readings = user_emotions(events)
    return readings[-1] if readings else None
