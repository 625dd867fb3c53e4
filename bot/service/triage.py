"""Triage: every request gets a category (inquiry / complaint / suggestion / fault) and a priority."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_shapes import FLAG, TEXT, Fields, ListOf, MapOf

CATEGORIES = ("inquiry", "complaint", "suggestion", "fault")
PRIORITIES = ("low", "normal", "high")

SHAPE = Fields({
    "categories": MapOf(TEXT),
    "priority": Fields({
        "default": TEXT,
        "by_category": MapOf(TEXT),
        "high_intents": ListOf(TEXT),
        "high_keywords": MapOf(ListOf(TEXT)),
        "vip_step_up": FLAG,
    }),
})


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
    default_priority: str
    category_priority: Mapping[str, str]
    high_intents: frozenset[str]
    high_keywords: tuple[str, ...]
    vip_step_up: bool

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
        keywords = priority.get("high_keywords") or {}
        return cls(
            categories=categories,
            default_priority=str(priority.get("default", "normal")),
            category_priority=by_category,
            high_intents=frozenset(str(i) for i in priority.get("high_intents") or ()),
            high_keywords=tuple(str(word).lower() for words in keywords.values() for word in words),
            vip_step_up=bool(priority.get("vip_step_up", True)),
        )


def _step_up(priority: str) -> str:
    return PRIORITIES[min(PRIORITIES.index(priority) + 1, len(PRIORITIES) - 1)]


def triage(
    rules: TriageRules,
    intent: str | None,
    text: str,
    vip: bool = False,
    order_overdue: bool = False,
) -> Triage:
    """Category and priority for a message with ``intent`` and ``text``; pure, no I/O."""
    category = rules.categories.get(intent or "")
    if category is None:
        # Not a request (greeting, yes/no, an order number on its own): only an overdue
        # order says something about priority.
        if order_overdue:
            return Triage(category=None, priority="high", reasons=("order_overdue",))
        return Triage(category=None, priority=rules.default_priority)
    reasons: list[str] = []
    priority = rules.category_priority.get(category, rules.default_priority)
    lowered = (text or "").lower()
    if intent in rules.high_intents:
        priority, reasons = "high", [*reasons, f"intent:{intent}"]
    matched = next((word for word in rules.high_keywords if word in lowered), None)
    if matched:
        priority, reasons = "high", [*reasons, f"keyword:{matched}"]
    if order_overdue:
        priority, reasons = "high", [*reasons, "order_overdue"]
    if vip and rules.vip_step_up:
        priority, reasons = _step_up(priority), [*reasons, "vip"]
    return Triage(category=category, priority=priority, reasons=tuple(reasons))
