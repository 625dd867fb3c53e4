"""Triage: every request gets a category (inquiry / complaint / suggestion / fault) and a priority."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_shapes import FLAG, NUMBER, TEXT, WHOLE, Fields, ListOf, MapOf
from bot.service.priority import (
    PRIORITIES,
    REASONS,
    ConversationFacts,
    EmotionLike,
    MessageReading,
    PriorityRules,
    contains_word,
    decide_priority,
)

CATEGORIES = ("inquiry", "complaint", "suggestion", "fault")
# How serious a category is: the more serious one wins when a message or a conversation shows two.
_SERIOUSNESS = {"inquiry": 0, "suggestion": 0, "complaint": 1, "fault": 2}
# Intents that are no request but whose words may still make one (an angry message not understood).
_UNDERSTOOD_AS_NOTHING = (None, "", "nlu_fallback", "out_of_scope")

_WORDS = MapOf(ListOf(TEXT))  # by language
SHAPE = Fields({
    "categories": MapOf(TEXT),
    "late_is_complaint": Fields({"intents": ListOf(TEXT), "words": _WORDS, "patterns": ListOf(TEXT)}),
    "category_by_reason": MapOf(TEXT),
    "priority": Fields({
        "default": TEXT,
        "by_category": MapOf(TEXT),
        "reasons": MapOf(Fields({"intents": ListOf(TEXT), "words": _WORDS})),
        "high": ListOf(TEXT),
        "vip_step_up": FLAG,
        "repeat_contact": Fields({"same_problem_times": WHOLE, "past_handoffs": WHOLE}),
        "repeat_complainer": Fields({"count": WHOLE, "days": WHOLE}),
        "strong_emotion": Fields({"label": TEXT, "min_score": NUMBER}),
        "beyond_authority": Fields({"max_refund_amount": NUMBER}),
    }),
})


@dataclass(frozen=True)
class LateRule:
    """A question about an order or refund that says a promise was broken is a complaint."""

    intents: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()

    def applies(self, intent: str | None, text: str) -> bool:
        """Whether ``text``, asked with ``intent``, complains of a late delivery or refund."""
        if intent not in self.intents:
            return False
        lowered = (text or "").lower()
        return any(contains_word(lowered, w) for w in self.words) or any(p.search(text or "") for p in self.patterns)


@dataclass(frozen=True)
class Triage:
    """The outcome for one request: category (None when the message is not a request) and priority."""

    category: str | None
    priority: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class TriageRules:
    """What `data/service/triage.yml` says."""

    categories: Mapping[str, str]
    priority: PriorityRules
    late: LateRule = field(default_factory=LateRule)
    by_reason: Mapping[str, str] = field(default_factory=dict)

    @property
    def default_priority(self) -> str:
        """The priority of a request no rule raises or lowers."""
        return self.priority.default

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "triage.yml") -> TriageRules:
        """Read and check the rules file."""
        raw, lines = load_config(path, SHAPE)
        categories: dict[str, str] = {str(k): str(v) for k, v in (raw.get("categories") or {}).items()}
        priority = raw.get("priority") or {}
        for intent, category in categories.items():
            if category not in CATEGORIES:
                raise config_error(lines, ["categories", intent], (
                    f"'{intent}' has unknown category '{category}'; use one of {', '.join(CATEGORIES)}"))
        by_category = {str(k): str(v) for k, v in (priority.get("by_category") or {}).items()}
        levels = [(["priority", "default"], str(priority.get("default", "normal")))]
        levels += [(["priority", "by_category", c], level) for c, level in by_category.items()]
        for keys, level in levels:
            if level not in PRIORITIES:
                known = ", ".join(PRIORITIES)
                raise config_error(lines, keys, f"unknown priority '{level}'; use one of {known}")
        for index, name in enumerate(priority.get("high") or ()):
            if name not in REASONS:
                raise config_error(lines, ["priority", "high", index], (
                    f"unknown priority reason '{name}'; use one of {', '.join(REASONS)}"))
        for name in priority.get("reasons") or {}:
            if name not in REASONS:
                raise config_error(lines, ["priority", "reasons", name], (
                    f"unknown priority reason '{name}'; use one of {', '.join(REASONS)}"))
        by_reason = {str(k): str(v) for k, v in (raw.get("category_by_reason") or {}).items()}
        for reason, category in by_reason.items():
            if reason not in REASONS or category not in CATEGORIES:
                raise config_error(lines, ["category_by_reason", reason], (
                    f"'{reason}: {category}' needs a priority reason ({', '.join(REASONS)}) "
                    f"and a category ({', '.join(CATEGORIES)})"))
        late = raw.get("late_is_complaint") or {}
        patterns = []
        for index, pattern in enumerate(late.get("patterns") or ()):
            try:
                patterns.append(re.compile(str(pattern)))
            except re.error as error:
                raise config_error(lines, ["late_is_complaint", "patterns", index], f"not a valid pattern: {error}") from None
        return cls(
            categories=categories,
            priority=PriorityRules.from_mapping(priority),
            late=LateRule(
                intents=frozenset(str(i) for i in late.get("intents") or ()),
                words=tuple(str(w).lower() for words in (late.get("words") or {}).values() for w in words),
                patterns=tuple(patterns),
            ),
            by_reason=by_reason,
        )


def category_of(rules: TriageRules, intent: str | None, text: str) -> str | None:
    """The request category of a message, None when it is not a request (greeting, yes/no …)."""
    category = rules.categories.get(intent or "")
    if category == "inquiry" and rules.late.applies(intent, text):
        return "complaint"
    return category


def more_serious(category: str | None, other: str | None) -> str | None:
    """The more serious of two categories (the first on a tie); None only if both are None."""
    if category is None or other is None:
        return category or other
    return other if _SERIOUSNESS.get(other, 0) > _SERIOUSNESS.get(category, 0) else category


def triage(
    rules: TriageRules,
    intent: str | None,
    text: str,
    vip: bool = False,
    order_overdue: bool = False,
    *,
    emotion: EmotionLike | None = None,
    anger_signals: Sequence[str] = (),
    refund_amount: float | None = None,
    same_problem_count: int = 0,
    past_handoffs: int = 0,
    complaints_in_window: int = 0,
    earlier_reasons: Sequence[str] = (),
    conversation_category: str | None = None,
) -> Triage:
    """Category, priority and its reasons for a message with ``intent`` and ``text``; pure, no I/O.

    A message that is not a request keeps the conversation's priority (the caller's business)
    unless a reason makes it high. ``conversation_category``: the most serious category of the
    session so far, which a later request keeps (a question after a complaint is still a complaint).
    """
    category = category_of(rules, intent, text)
    reading = MessageReading(
        text=text, intent=intent, category=category, anger_signals=tuple(anger_signals),
        emotion=emotion, refund_amount=refund_amount,
    )
    facts = ConversationFacts(
        vip=vip, order_overdue=order_overdue, same_problem_count=same_problem_count,
        past_handoffs=past_handoffs, complaints_in_window=complaints_in_window,
        earlier_reasons=tuple(earlier_reasons),
    )
    decision = decide_priority(rules.priority, reading, facts)
    shown = [rules.by_reason[r] for r in decision.reasons if r in rules.by_reason and r not in facts.earlier_reasons]
    if category is not None or (intent in _UNDERSTOOD_AS_NOTHING and shown):
        for other in (*shown, conversation_category):
            category = more_serious(category, other)
    if category != reading.category:
        reading = replace(reading, category=category)
        decision = decide_priority(rules.priority, reading, facts)
    return Triage(category=category, priority=decision.level, reasons=decision.reasons)
