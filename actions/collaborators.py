"""Lazily built collaborators shared by the actions of one action-server process.

Nothing connects or reads files at import time; each is built on first use. Tests pass
their own (real, local) collaborators to the actions' constructors instead.
"""
from __future__ import annotations

from functools import lru_cache

from bot.backends import customer_directory, order_backend
from bot.complaints import ComplaintPlaybook
from bot.customers import CustomerDirectory
from bot.feedback import FeedbackStore
from bot.incidents import IncidentBoard
from bot.orders import OrderBackend
from bot.redis_client import connect
from bot.settings import Settings
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
