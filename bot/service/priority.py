"""Priority as a decision with reasons: the SOP's urgency axis (二维判断: type × urgency).

A pure function over the rules of data/service/triage.yml (``priority:``), the reading of the
message (intent, category, words, the emotion reading) and facts about the conversation and
the customer (an overdue order, the same problem again, past handoffs, past complaints, VIP).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

PRIORITIES = ("low", "normal", "high")
REASONS = (
    "account_security", "money_lost", "order_overdue", "regulator_or_press_threat", "repeat_contact",
    "repeat_complainer", "strong_emotion", "vip", "beyond_authority",
)
# Reasons shown by words (and intents) listed in triage.yml; the others come from facts.
WORD_REASONS = ("account_security", "money_lost", "order_overdue", "regulator_or_press_threat", "repeat_contact")
# Kinds of escalation anger signals (bot/service/escalation.py) that show the user's state of mind.
_EMOTION_SIGNAL_KINDS = ("word", "insult", "punctuation", "caps")


class EmotionLike(Protocol):
    """What the emotion classifier reads off a message (bot/service/emotion.py's EmotionReading)."""

    @property
    def label(self) -> str: ...

    @property
    def score(self) -> float: ...


@dataclass(frozen=True)
class ReasonRule:
    """The intents and words that show one reason."""

    intents: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriorityRules:
    """The ``priority:`` part of data/service/triage.yml."""

    default: str = "normal"
    by_category: Mapping[str, str] | None = None
    reasons: Mapping[str, ReasonRule] | None = None
    high: frozenset[str] = frozenset(r for r in REASONS if r != "vip")
    vip_step_up: bool = True
    same_problem_times: int = 2
    past_handoffs: int = 2
    repeat_complaint_count: int = 3
    repeat_complaint_days: int = 180
    emotion_label: str = "angry"
    emotion_min_score: float = 0.6
    max_refund_amount: float = 500.0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> PriorityRules:
        """Build from the parsed ``priority:`` mapping (checked by bot.service.triage)."""
        reasons = {
            str(name): ReasonRule(
                intents=frozenset(str(i) for i in rule.get("intents") or ()),
                words=tuple(str(w).lower() for words in (rule.get("words") or {}).values() for w in words),
            )
            for name, rule in (raw.get("reasons") or {}).items()
        }
        repeat = raw.get("repeat_contact") or {}
        complainer = raw.get("repeat_complainer") or {}
        emotion = raw.get("strong_emotion") or {}
        authority = raw.get("beyond_authority") or {}
        high = raw.get("high")
        return cls(
            default=str(raw.get("default", "normal")),
            by_category={str(k): str(v) for k, v in (raw.get("by_category") or {}).items()},
            reasons=reasons,
            high=frozenset(str(r) for r in high) if high is not None else cls.high,
            vip_step_up=bool(raw.get("vip_step_up", True)),
            same_problem_times=int(repeat.get("same_problem_times", 2)),
            past_handoffs=int(repeat.get("past_handoffs", 2)),
            repeat_complaint_count=int(complainer.get("count", 3)),
            repeat_complaint_days=int(complainer.get("days", 180)),
            emotion_label=str(emotion.get("label", "angry")),
            emotion_min_score=float(emotion.get("min_score", 0.6)),
            max_refund_amount=float(authority.get("max_refund_amount", 500)),
        )


@dataclass(frozen=True)
class MessageReading:
    """What the model and the word rules read off the latest message."""

    text: str = ""
    intent: str | None = None
    category: str | None = None
    anger_signals: Sequence[str] = ()       # escalation's sentiment_signals: "word:…", "threat:…", …
    emotion: EmotionLike | None = None      # the emotion classifier's reading, when it ran
    refund_amount: float | None = None      # an amount the user asks to have refunded


@dataclass(frozen=True)
class ConversationFacts:
    """What is known about the conversation and the customer at this message."""

    vip: bool = False
    order_overdue: bool = False             # the order system says a promised date passed
    same_problem_count: int = 0             # this problem raised in this session, this message included
    past_handoffs: int = 0                  # earlier handoffs of this conversation
    complaints_in_window: int = 0           # complaints of this customer in the repeat-complainer window
    earlier_reasons: Sequence[str] = ()     # reasons of earlier messages of this session: they hold


@dataclass(frozen=True)
class Priority:
    """The decision: a level and the reason codes that led to it (in REASONS order)."""

    level: str
    reasons: tuple[str, ...] = ()


def contains_word(lowered: str, word: str) -> bool:
    """Whether ``word`` is in ``lowered``; Latin words must stand alone ("sue" is not in "issue")."""
    if re.fullmatch(r"[a-z0-9 ']+", word):
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lowered) is not None
    return word in lowered


def strong_emotion(rules: PriorityRules, reading: MessageReading) -> bool:
    """Angry at or above the threshold by the classifier, or by the anger words and shouting."""
    emotion = reading.emotion
    if emotion is not None and emotion.label == rules.emotion_label and emotion.score >= rules.emotion_min_score:
        return True
    return any(s.split(":", 1)[0] in _EMOTION_SIGNAL_KINDS for s in reading.anger_signals)


def _shown_by_message(rules: PriorityRules, reading: MessageReading) -> set[str]:
    lowered = (reading.text or "").lower()
    found = set()
    for name, rule in (rules.reasons or {}).items():
        if (reading.intent and reading.intent in rule.intents) or any(contains_word(lowered, w) for w in rule.words):
            found.add(name)
    if any(s.startswith("threat:") for s in reading.anger_signals):
        found.add("regulator_or_press_threat")
    return found


def reasons_for(rules: PriorityRules, reading: MessageReading, facts: ConversationFacts) -> tuple[str, ...]:
    """Every reason that applies, in REASONS order."""
    found = _shown_by_message(rules, reading) | {r for r in facts.earlier_reasons if r in REASONS}
    if facts.order_overdue:
        found.add("order_overdue")
    if facts.same_problem_count >= rules.same_problem_times or facts.past_handoffs >= rules.past_handoffs:
        found.add("repeat_contact")
    this_one = 1 if reading.category == "complaint" else 0
    if facts.complaints_in_window + this_one >= rules.repeat_complaint_count:
        found.add("repeat_complainer")
    if strong_emotion(rules, reading):
        found.add("strong_emotion")
    if facts.vip:
        found.add("vip")
    if reading.refund_amount is not None and reading.refund_amount > rules.max_refund_amount:
        found.add("beyond_authority")
    return tuple(r for r in REASONS if r in found) + tuple(sorted(found - set(REASONS)))


def _step_up(level: str) -> str:
    return PRIORITIES[min(PRIORITIES.index(level) + 1, len(PRIORITIES) - 1)]


def decide_priority(rules: PriorityRules, reading: MessageReading, facts: ConversationFacts) -> Priority:
    """The priority of the latest message and why; pure, no I/O.

    A message that is not a request (no category) starts from the default level: the caller
    keeps the conversation's priority unless this says high.
    """
    reasons = reasons_for(rules, reading, facts)
    level = (rules.by_category or {}).get(reading.category or "", rules.default)
    if any(r in rules.high for r in reasons):
        level = "high"
    if "vip" in reasons and rules.vip_step_up and reading.category:
        level = _step_up(level)
    return Priority(level=level, reasons=reasons)
