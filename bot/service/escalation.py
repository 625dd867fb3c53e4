"""When the bot should stop: a pure decision over what happened in the conversation.

The signals are gathered from the tracker by the caller; thresholds and word lists are in
data/service/escalation.yml.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, load_mapping
from bot.datafiles.yaml_shapes import NUMBER, TEXT, WHOLE, Fields, ListOf, MapOf
from bot.service.emotion import EmotionReading

REASONS = (
    "explicit_request",
    "anger",
    "repeated_fallback",
    "same_problem_repeated",
    "answer_not_helpful",
    "high_priority",
    "vip_complaint",
    "repeat_complainer",
    "beyond_authority",
    "technical_failure",  # the action server could not be reached (channels/resilience.py)
)
# What an escalation's signals start with ("<kind>:<what was seen>" or "<kind>"): its own, and
# triage's priority reasons, which a high_priority escalation carries.
SIGNAL_KINDS = (
    "word", "insult", "threat", "punctuation", "caps", "amount", "complaints", "problem", "emotion",
    "intent", "keyword", "order_overdue", "vip",  # "intent"/"keyword": records from before priority reasons
    "account_security", "money_lost", "regulator_or_press_threat", "repeat_contact", "repeat_complainer",
    "strong_emotion", "beyond_authority",
)


_WORDS = MapOf(ListOf(TEXT))  # by language
# The parts of data/service/escalation.yml read here and by the actions (while_waiting).
SHAPE = Fields({
    "explicit_request": Fields({"intents": ListOf(TEXT), "words": _WORDS}),
    "anger": Fields({
        "words": _WORDS, "insults": _WORDS, "threats": _WORDS, "punctuation_run": WHOLE, "caps_words": WHOLE,
        "emotion_min_score": NUMBER,
    }),
    "fallbacks_in_a_row": WHOLE,
    "same_problem_times": WHOLE,
    "not_helped_times": WHOLE,
    "repeat_complaints": Fields({"count": WHOLE, "days": WHOLE}),
    "max_refund_amount": NUMBER,
    "immediate_priorities": ListOf(TEXT),
    "immediate_reasons": ListOf(TEXT),
    "offer_first_reasons": ListOf(TEXT),
    "while_waiting": MapOf(TEXT),
})


def _words(section: Mapping, key: str) -> tuple[str, ...]:
    return tuple(str(w).lower() for words in (section.get(key) or {}).values() for w in words)


@dataclass(frozen=True)
class EscalationRules:
    """What data/service/escalation.yml says."""

    request_intents: tuple[str, ...]
    request_words: tuple[str, ...]
    anger_words: tuple[str, ...]
    insults: tuple[str, ...]
    threats: tuple[str, ...]
    punctuation_run: int
    caps_words: int
    fallbacks_in_a_row: int
    same_problem_times: int
    not_helped_times: int
    repeat_complaint_count: int
    repeat_complaint_days: int
    max_refund_amount: float
    immediate_priorities: tuple[str, ...]
    immediate_reasons: tuple[str, ...] = ("account_security", "money_lost")
    offer_first_reasons: tuple[str, ...] = ("strong_emotion", "regulator_or_press_threat", "repeat_contact")
    anger_min_score: float = 0.5  # the emotion classifier's "angry" counts from this score on

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "escalation.yml") -> EscalationRules:
        """Read the rules file."""
        raw = load_mapping(path, SHAPE)
        explicit = raw.get("explicit_request") or {}
        anger = raw.get("anger") or {}
        repeat = raw.get("repeat_complaints") or {}
        return cls(
            request_intents=tuple(str(i) for i in explicit.get("intents") or ()),
            request_words=_words(explicit, "words"),
            anger_words=_words(anger, "words"),
            insults=_words(anger, "insults"),
            threats=_words(anger, "threats"),
            punctuation_run=int(anger.get("punctuation_run", 3)),
            caps_words=int(anger.get("caps_words", 2)),
            fallbacks_in_a_row=int(raw.get("fallbacks_in_a_row", 2)),
            same_problem_times=int(raw.get("same_problem_times", 3)),
            not_helped_times=int(raw.get("not_helped_times", 2)),
            repeat_complaint_count=int(repeat.get("count", 3)),
            repeat_complaint_days=int(repeat.get("days", 180)),
            max_refund_amount=float(raw.get("max_refund_amount", 500)),
            immediate_priorities=tuple(str(p) for p in raw.get("immediate_priorities") or ("high",)),
            immediate_reasons=tuple(str(r) for r in raw.get("immediate_reasons") or ("account_security", "money_lost")),
            offer_first_reasons=tuple(str(r) for r in raw.get("offer_first_reasons") or ()),
            anger_min_score=float(anger.get("emotion_min_score", 0.5)),
        )


@dataclass(frozen=True)
class Signals:
    """What the caller knows about the conversation at the latest user message."""

    text: str
    intent: str | None = None
    category: str | None = None
    priority: str = "normal"
    priority_reasons: Sequence[str] = ()      # from triage: reason codes of bot/service/priority.py
    vip: bool = False
    recent_intents: Sequence[str] = ()        # user intents, oldest first, the latest included
    recent_problems: Sequence[str] = ()       # request labels (intent or faq/<id>), oldest first
    not_helped_count: int = 0                 # "no" answers to "is it solved?" in this session
    complaints_in_window: int = 0             # complaint tickets in the repeat-complaint window
    refund_amount: float | None = None     # an amount the user asks to have refunded
    emotion: EmotionReading | None = None  # the emotion classifier's reading of the latest message


@dataclass(frozen=True)
class Escalation:
    """The decision to hand over: why, what fired, and whether to do it without asking."""

    reason: str
    immediate: bool
    signals: tuple[str, ...] = field(default_factory=tuple)


def sentiment_signals(rules: EscalationRules, text: str) -> tuple[str, ...]:
    """The anger or urgency signals that ``text`` shows, e.g. ("word:又是", "punctuation:!!!")."""
    lowered = (text or "").lower()
    fired = [f"word:{w}" for w in rules.anger_words if w in lowered]
    fired += [f"insult:{w}" for w in rules.insults if _contains_word(lowered, w)]
    fired += [f"threat:{w}" for w in rules.threats if _contains_word(lowered, w)]
    times = rules.punctuation_run
    run = re.search(rf"[!!]{{{times},}}|[??]{{{times},}}", text or "")
    if run:
        fired.append(f"punctuation:{run.group(0)}")
    caps = re.findall(r"\b[A-Z]{3,}\b", text or "")
    if len(caps) >= rules.caps_words:
        fired.append("caps:" + " ".join(caps[:3]))
    return tuple(fired)


def anger_signals(rules: EscalationRules, signals: Signals) -> tuple[str, ...]:
    """What shows anger in the latest message, or () if it does not.

    The emotion classifier decides: "angry" at ``anger_min_score`` or above fires, with
    ``emotion:angry:<score>`` first and the word-list hits after it as evidence; any other
    reading means no anger, whatever words the message contains ("每次都很快" is praise).
    Without a reading (a model trained without the classifier) the word lists decide, as before.
    """
    words = sentiment_signals(rules, signals.text)
    reading = signals.emotion
    if reading is None:
        return words
    if reading.label == "angry" and reading.score >= rules.anger_min_score:
        return (reading.signal(), *words)
    return ()


def _contains_word(lowered: str, word: str) -> bool:
    # Latin words must stand alone ("sue" is not in "issue"); next to Chinese they may touch.
    if re.fullmatch(r"[a-z0-9 ]+", word):
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lowered) is not None
    return word in lowered


def _urgent_by_nature(rules: EscalationRules, signals: Signals) -> bool:
    # High because of what happened (a stolen account, money taken), not only because the
    # customer is a VIP or an order is late: those are served first, and answered first.
    return any(r in rules.immediate_reasons for r in signals.priority_reasons)


def _ends_with_run(values: Sequence[str], value: str, length: int) -> bool:
    return len(values) >= length and all(v == value for v in values[-length:])


def decide(rules: EscalationRules, signals: Signals) -> Escalation | None:
    """The first trigger that fires, in order of how clearly a person is needed; None to go on."""
    lowered = (signals.text or "").lower()
    reasons = tuple(signals.priority_reasons)
    offer_first = bool(reasons) and all(r in rules.offer_first_reasons for r in reasons)
    immediate = signals.priority in rules.immediate_priorities and not offer_first
    if signals.intent in rules.request_intents or any(_contains_word(lowered, w) for w in rules.request_words):
        return Escalation("explicit_request", immediate=True)
    if signals.priority in rules.immediate_priorities and signals.category and _urgent_by_nature(rules, signals):
        return Escalation("high_priority", immediate=True, signals=tuple(signals.priority_reasons))
    angry = anger_signals(rules, signals)
    if angry:
        return Escalation("anger", immediate=immediate, signals=angry)
    if signals.refund_amount is not None and signals.refund_amount > rules.max_refund_amount:
        return Escalation("beyond_authority", immediate=immediate, signals=(f"amount:{signals.refund_amount:g}",))
    if signals.category == "complaint" and signals.vip:
        return Escalation("vip_complaint", immediate=immediate)
    if signals.category == "complaint" and signals.complaints_in_window + 1 >= rules.repeat_complaint_count:
        return Escalation("repeat_complainer", immediate=immediate, signals=(f"complaints:{signals.complaints_in_window}",))
    if _ends_with_run(signals.recent_intents, "nlu_fallback", rules.fallbacks_in_a_row):
        return Escalation("repeated_fallback", immediate=immediate)
    if signals.not_helped_count >= rules.not_helped_times:
        return Escalation("answer_not_helpful", immediate=immediate)
    problems = [p for p in signals.recent_problems if p]
    if problems and problems.count(problems[-1]) >= rules.same_problem_times:
        return Escalation("same_problem_repeated", immediate=immediate, signals=(f"problem:{problems[-1]}",))
    return None
