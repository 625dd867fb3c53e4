"""Lazily built collaborators shared by the actions of one action-server process.

Nothing connects or reads files at import time; each is built on first use. Tests pass
their own (real, local) collaborators to the actions' constructors instead.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict

from bot.backends import customer_directory, order_backend
from bot.complaints import ComplaintPlaybook
from bot.customers import CustomerDirectory
from bot.config_files import SERVICE_DIR, load_mapping
from bot.escalation import EscalationRules
from bot.feedback import FeedbackStore
from bot.handoff_desk import HandoffDesk
from bot.incidents import IncidentBoard
from bot.knowledge import KnowledgeBase
from bot.orders import OrderBackend
from bot.redis_client import connect
from bot.settings import PROJECT_ROOT, Settings
from bot.suggestions import SuggestionRouter
from bot.tickets import TicketStore
from bot.triage import TriageRules


@lru_cache(maxsize=None)
def redis_connection():
    """The shared Redis, from REDIS_URL."""
    return connect(Settings.from_env())


def tickets() -> TicketStore:
    """Tickets in the shared Redis."""
    return TicketStore(redis_connection())


def feedback() -> FeedbackStore:
    """Ratings in the shared Redis."""
    return FeedbackStore(redis_connection())


@lru_cache(maxsize=None)
def triage_rules() -> TriageRules:
    """data/service/triage.yml."""
    return TriageRules.load()


@lru_cache(maxsize=None)
def playbook() -> ComplaintPlaybook:
    """data/service/complaints.yml."""
    return ComplaintPlaybook.load()


@lru_cache(maxsize=None)
def incidents() -> IncidentBoard:
    """data/service/incidents.yml."""
    return IncidentBoard.load()


@lru_cache(maxsize=None)
def suggestion_router() -> SuggestionRouter:
    """data/service/suggestions.yml."""
    return SuggestionRouter.load()


@lru_cache(maxsize=None)
def orders() -> OrderBackend:
    """The order backend (ORDER_BACKEND or the demo one)."""
    return order_backend()


@lru_cache(maxsize=None)
def customers() -> CustomerDirectory:
    """The customer backend (CUSTOMER_BACKEND or the demo one)."""
    return customer_directory()


@lru_cache(maxsize=None)
def escalation_rules() -> EscalationRules:
    """data/service/escalation.yml."""
    return EscalationRules.load()


@lru_cache(maxsize=None)
def while_waiting() -> Dict[str, str]:
    """Responses still given before a high-priority transfer, by intent (escalation.yml)."""
    return dict(load_mapping(SERVICE_DIR / "escalation.yml").get("while_waiting") or {})


@lru_cache(maxsize=None)
def knowledge() -> KnowledgeBase:
    """The FAQ knowledge base in data/faq/."""
    return KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")


@lru_cache(maxsize=None)
def handoff_desk() -> HandoffDesk:
    """Queues conversations for agents in the shared Redis."""
    return HandoffDesk.on_redis(redis_connection(), Settings.from_env())
