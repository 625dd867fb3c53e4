"""The one composition root: every service a process uses, built once from the settings.

Each process builds one ``Wiring`` where it starts (the action server, the Rasa server, the
console, a command-line tool) and passes what it needs into constructors. Nothing is built at
import time and nothing here is global: a service is made on first use and kept by its
``Wiring``, so a process reads the knowledge base once and holds one Redis connection pool.
Tests build a ``Wiring`` on their own settings and Redis.
"""
from __future__ import annotations

from functools import cached_property

import redis

from bot.backends.customers import CustomerDirectory
from bot.backends.loading import customer_directory, order_backend
from bot.backends.orders import OrderBackend
from bot.datafiles.config_files import SERVICE_DIR, load_mapping
from bot.handoff.availability import ServiceHours
from bot.handoff.gate import HandoffGate
from bot.handoff.intake import HandoffIntake
from bot.handoff.outbox import Outbox
from bot.handoff.presence import AgentPresence
from bot.handoff.reach import UserReach
from bot.handoff.routing import RoutingRules
from bot.handoff.store import HandoffStore
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.inbox import Inbox
from bot.knowledge.models import LiveKnowledge, ModelRegistry
from bot.ops.redis_client import connect
from bot.service.complaints import ComplaintPlaybook
from bot.service.escalation import EscalationRules
from bot.service.feedback import FeedbackStore
from bot.service.identity import OrderAccess
from bot.service.incidents import IncidentBoard
from bot.service.labels import Labels
from bot.service.suggestions import SuggestionRouter
from bot.service.ticket_messages import ResponseTemplates
from bot.service.ticket_rules import TicketRules
from bot.service.ticket_updates import TicketUpdates
from bot.service.tickets import TicketStore
from bot.service.triage import TriageRules
from bot.settings import Settings


class Wiring:
    """Builds each service of one process on first use, from ``settings``, and keeps it."""

    def __init__(self, settings: Settings, redis_client: redis.Redis | None = None) -> None:
        self.settings = settings
        self._redis_client = redis_client

    # The shared Redis and the stores that own their keys in it.

    @cached_property
    def redis(self) -> redis.Redis:
        """The one client (and connection pool) of this process: REDIS_URL, decoding to str."""
        return self._redis_client if self._redis_client is not None else connect(self.settings)

    @cached_property
    def handoffs(self) -> HandoffStore:
        """Handoff records, the queue, claims and transcripts."""
        return HandoffStore(self.redis)

    @cached_property
    def gate(self) -> HandoffGate:
        """Where each user message goes: the bot, or the person handling the conversation."""
        return HandoffGate(self.redis, self.handoffs, self.reach)

    @cached_property
    def reach(self) -> UserReach:
        """How each user can be reached: channel, language, last message, open web chat."""
        return UserReach(self.redis)

    @cached_property
    def outbox(self) -> Outbox:
        """Messages for users that do not come from the bot (agent replies, hand-backs)."""
        return Outbox(self.redis)

    @cached_property
    def presence(self) -> AgentPresence:
        """Which agents are online."""
        return AgentPresence(self.redis)

    @cached_property
    def tickets(self) -> TicketStore:
        """Tickets for complaints, suggestions, faults and call-backs, owned by the teams of tickets.yml."""
        return TicketStore(self.redis, rules=self.ticket_rules)

    @cached_property
    def ticket_updates(self) -> TicketUpdates:
        """Tells users about their tickets on their own channel (过程同步) and sends return visits."""
        templates = ResponseTemplates.load(self.settings.project_root / "domain.yml")
        return TicketUpdates(self.tickets, self.outbox, self.reach, templates, self.labels)

    @cached_property
    def feedback(self) -> FeedbackStore:
        """Satisfaction ratings."""
        return FeedbackStore(self.redis)

    @cached_property
    def inbox(self) -> Inbox:
        """Messages the bot did not understand, for the editors (cs:inbox:*)."""
        return Inbox(self.redis)

    @cached_property
    def order_access(self) -> OrderAccess:
        """Who may see which order: owners by channel, others after the phone's last four digits."""
        return OrderAccess(self.redis, self.customers)

    @cached_property
    def intake(self) -> HandoffIntake:
        """Hands a conversation to a person: queued with its context, or a call-back ticket."""
        return HandoffIntake(
            store=self.handoffs,
            presence=self.presence,
            tickets=self.tickets,
            customers=self.customers,
            knowledge=self.knowledge,
            hours=ServiceHours.load().with_hours(self.settings.service_hours),
            rules=self.escalation_rules,
            routing=self.routing_rules,
        )

    # What editors and operators write under data/.

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        """The FAQ knowledge base in data/faq/, read once per process."""
        return KnowledgeBase.load(self.settings.project_root / "data" / "faq")

    @cached_property
    def models(self) -> ModelRegistry:
        """Which trained model is live (Redis), its file, rollback and the audit log."""
        return ModelRegistry(self.redis, self.settings)

    @cached_property
    def live_knowledge(self) -> LiveKnowledge:
        """The knowledge base of the live model, re-read when a publish or rollback changes it."""
        return LiveKnowledge(self.models)

    @cached_property
    def routing_rules(self) -> RoutingRules:
        """data/service/routing.yml, with ROUTING_FALLBACK_SECONDS applied."""
        return RoutingRules.load().with_fallback(self.settings.routing_fallback_seconds)

    @cached_property
    def ticket_rules(self) -> TicketRules:
        """data/service/tickets.yml: owning teams, due and follow-up times, return visits."""
        return TicketRules.load()

    @cached_property
    def triage_rules(self) -> TriageRules:
        """data/service/triage.yml."""
        return TriageRules.load()

    @cached_property
    def escalation_rules(self) -> EscalationRules:
        """data/service/escalation.yml."""
        return EscalationRules.load()

    @cached_property
    def while_waiting(self) -> dict[str, str]:
        """Responses still given before a high-priority transfer, by intent (escalation.yml)."""
        return dict(load_mapping(SERVICE_DIR / "escalation.yml").get("while_waiting") or {})

    @cached_property
    def playbook(self) -> ComplaintPlaybook:
        """data/service/complaints.yml."""
        return ComplaintPlaybook.load()

    @cached_property
    def incidents(self) -> IncidentBoard:
        """data/service/incidents.yml."""
        return IncidentBoard.load()

    @cached_property
    def suggestion_router(self) -> SuggestionRouter:
        """data/service/suggestions.yml."""
        return SuggestionRouter.load()

    @cached_property
    def labels(self) -> Labels:
        """data/service/labels.yml: the names of tags, departments, categories …"""
        return Labels.load()

    # The company's systems.

    @cached_property
    def orders(self) -> OrderBackend:
        """ORDER_BACKEND, or the demo orders."""
        return order_backend(self.settings.order_backend)

    @cached_property
    def customers(self) -> CustomerDirectory:
        """CUSTOMER_BACKEND, or the demo customers."""
        return customer_directory(self.settings.customer_backend)
