"""Which identifiers need a label in data/service/labels.yml: those the code stores and those the service files name."""
from __future__ import annotations

from bot.handoff.routing import REASONS as ROUTING_REASONS
from bot.knowledge.base import FAQ_INTENT
from bot.language import SUPPORTED_LANGUAGES
from bot.service import ticket_tags
from bot.service.emotion import EMOTIONS
from bot.service.escalation import REASONS, SIGNAL_KINDS, EscalationRules
from bot.service.priority import REASONS as PRIORITY_REASONS
from bot.service.suggestions import SuggestionRouter
from bot.service.ticket_rules import TEAMS
from bot.service.tickets import TICKET_STATUSES
from bot.service.triage import CATEGORIES, PRIORITIES, TriageRules


def wanted_labels(triage: TriageRules, router: SuggestionRouter, escalation: EscalationRules) -> dict[str, set[str]]:
    """By kind, every identifier of the bot's domain that the report or the console may show."""
    return {
        "category": set(CATEGORIES),
        "priority": set(PRIORITIES),
        "priority_reason": set(PRIORITY_REASONS),
        "reason": set(REASONS),
        "signal": set(SIGNAL_KINDS),
        "problem": {intent for intent in triage.categories if intent != FAQ_INTENT} | set(escalation.request_intents),
        "department": set(router.departments),
        "tag": set(ticket_tags.TAGS) | {router.tag},
        "ticket_status": set(TICKET_STATUSES),
        "team": set(TEAMS),
        "routing": set(ROUTING_REASONS),
        "language": set(SUPPORTED_LANGUAGES),
        "emotion": set(EMOTIONS),
    }
