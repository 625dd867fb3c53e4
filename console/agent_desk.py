"""What agents do with handoffs, with the permission rules; no HTTP here, only the stores."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.presence import AgentPresence, OnlineAgent
from bot.handoff.routing import DEDICATED_AGENT, HandoffFacts, Routing, RoutingRules, route
from bot.handoff.store import HandoffConflict, HandoffNotFound, HandoffRecord, HandoffStore, Turn
from bot.knowledge.answer_suggestions import Suggester
from console.errors import bad_request, conflict, forbidden, not_found
from console.users import User, UserStore
from console.views import alerts, detail_view, summary_view

OUTCOMES = ("resolved", "follow_up")
_SUGGESTION_TURNS = 3  # the user's last messages that suggestions are matched against


@dataclass(frozen=True)
class RepeatComplaintRule:
    """Complaints in a window that make the page warn the agent (from escalation.yml)."""

    count: int = 3
    days: int = 180


class AgentDesk:
    """Queue, claim, reply, note, transfer and resolve, checking who may do what."""

    def __init__(
        self,
        client: redis.Redis,
        users: UserStore,
        clock: Callable[[], float],
        suggester: Suggester | None = None,
        repeat_rule: RepeatComplaintRule = RepeatComplaintRule(),
        routing_rules: RoutingRules | None = None,
    ) -> None:
        self._users = users
        self._clock = clock
        self._outbox = Outbox(client)
        self._presence = AgentPresence(client, clock)
        self.handoffs = HandoffStore(client, lambda: dt.datetime.fromtimestamp(clock(), dt.timezone.utc))
        self.suggester = suggester
        self.repeat_rule = repeat_rule
        self.routing_rules = routing_rules or RoutingRules()

    # -- reading -------------------------------------------------------------------------
    def overview(self, user: User) -> dict[str, Any]:
        """The queue (priority, then wait), the caller's handoffs and, for supervisors, everyone else's.

        An agent's queue holds the handoffs offered to them (routing.yml), each with the reason;
        a supervisor's holds every waiting handoff, marked offered to them or not.
        """
        now = self._clock()
        agents = self._online_agents(user)
        queue: list[dict[str, Any]] = []
        hidden = 0
        for record in self.handoffs.queue():
            routing = self._route(record, agents, now)
            if not (routing.offered_to(user.username) or user.is_supervisor):
                hidden += 1
                continue
            row = summary_view(record, now, len(queue) + 1)
            row["routing"] = routing.view_for(user.username)
            queue.append(row)
        assigned = self.handoffs.assigned()
        mine = [summary_view(r, now, None) for r in assigned if r.agent == user.username]
        overview: dict[str, Any] = {"now": now, "queue": queue, "mine": mine, "not_offered": hidden}
        if user.is_supervisor:
            overview["team"] = [summary_view(r, now, None) for r in assigned if r.agent != user.username]
        return overview

    def detail(self, handoff_id: str, user: User) -> dict[str, Any]:
        """Record, masked transcript, suggestions and alerts of one handoff."""
        record = self._get(handoff_id)
        transcript = self.handoffs.transcript(handoff_id)
        now = self._clock()
        routing = self._route(record, self._online_agents(user), now) if record.status == "queued" else None
        return detail_view(
            record, transcript, now, self.handoffs.position(handoff_id), user,
            self.suggest(_last_user_words(record, transcript), record.language),
            alerts(record, self.repeat_rule.count, self.repeat_rule.days),
            routing.view_for(user.username) if routing else None,
        )

    def suggest_for(self, handoff_id: str, limit: int = 3) -> list[dict[str, Any]]:
        """Knowledge-base answers for what the user of ``handoff_id`` said last."""
        record = self._get(handoff_id)
        said = _last_user_words(record, self.handoffs.transcript(handoff_id))
        return self.suggest(said, record.language, limit)

    def suggest(self, text: str, language: str | None, limit: int = 3) -> list[dict[str, Any]]:
        """Knowledge-base answers for ``text`` (none when the knowledge base did not load)."""
        if self.suggester is None:
            return []
        return [s.as_dict() for s in self.suggester.rank(text, language, limit)]

    # -- acting --------------------------------------------------------------------------
    def claim(self, handoff_id: str, user: User) -> HandoffRecord:
        """Take a queued handoff; 409 if someone else was quicker, 403 if it is not offered to the
        caller yet (supervisors may take any)."""
        record = self._get(handoff_id)
        if record.status == "queued" and not user.is_supervisor:
            now = self._clock()
            routing = self._route(record, self._online_agents(user), now)
            if not routing.offered_to(user.username):
                raise forbidden(_not_offered_message(record, routing, now))
        try:
            record = self.handoffs.claim(handoff_id, user.username)
        except HandoffNotFound:
            raise not_found(f"no handoff {handoff_id!r}") from None
        except HandoffConflict as error:
            raise conflict(str(error)) from None
        return record

    def reply(self, handoff_id: str, user: User, text: str) -> Turn:
        """Write to the user: an ``agent`` turn, and a message on the channel's outbox."""
        record = self._owned(handoff_id, user, "reply")
        turn = self.handoffs.append(handoff_id, "agent", text, agent=user.username)
        self._outbox.publish(OutboxMessage(
            channel=record.channel, conversation_id=record.conversation_id, kind="text",
            text=text, agent=user.username, handoff_id=handoff_id,
        ))
        return turn

    def note(self, handoff_id: str, user: User, text: str) -> Turn:
        """An internal note for colleagues; never sent to the user."""
        self._get(handoff_id)
        return self.handoffs.append(handoff_id, "note", text, agent=user.username)

    def transfer(self, handoff_id: str, user: User, to: str) -> HandoffRecord:
        """Give an assigned handoff to a supervisor."""
        record = self._owned(handoff_id, user, "transfer")
        target = self._users.get(to)
        if target is None or not target.is_supervisor:
            raise bad_request(f"'to' must be the username of a supervisor; {to!r} is not one")
        if target.username == record.agent:
            raise conflict(f"handoff {handoff_id} is already with {target.username}")
        try:
            return self.handoffs.transfer(handoff_id, target.username)
        except HandoffConflict as error:
            raise conflict(str(error)) from None

    def resolve(
        self, handoff_id: str, user: User, outcome: str, follow_up_at: float | None
    ) -> HandoffRecord:
        """Close the handoff and hand the conversation back to the bot with the agent's turns."""
        if outcome not in OUTCOMES:
            raise bad_request(f"'outcome' must be one of {', '.join(OUTCOMES)}")
        if outcome == "follow_up" and follow_up_at is None:
            raise bad_request("'follow_up_at' is required when the outcome is follow_up")
        if outcome == "follow_up" and follow_up_at is not None and follow_up_at <= self._clock():
            raise bad_request("'follow_up_at' must be in the future")
        record = self._get(handoff_id)
        if not (record.status == "queued" and user.is_supervisor):
            record = self._owned(handoff_id, user, "resolve")
        try:
            due = follow_up_at if outcome == "follow_up" else None
            resolved = self.handoffs.resolve(handoff_id, outcome, due)
        except HandoffConflict as error:
            raise conflict(str(error)) from None
        turns = [
            {"text": t.text, "at": t.at, "agent": t.agent}
            for t in self.handoffs.transcript(handoff_id) if t.role == "agent"
        ]
        self._outbox.publish(OutboxMessage(
            channel=record.channel, conversation_id=record.conversation_id, kind="handback",
            agent=user.username, handoff_id=handoff_id, turns=turns,
        ))
        return resolved

    # -- internals -----------------------------------------------------------------------
    def _online_agents(self, user: User) -> list[OnlineAgent]:
        """Agents online with their languages; the caller counts as online with their own languages."""
        agents = [a for a in self._presence.online_agents() if a.username != user.username]
        return [*agents, OnlineAgent(user.username, user.languages)]

    def _route(self, record: HandoffRecord, agents: list[OnlineAgent], now: float) -> Routing:
        return route(HandoffFacts.of(record), agents, self.routing_rules, now)

    def _get(self, handoff_id: str) -> HandoffRecord:
        try:
            return self.handoffs.get(handoff_id)
        except HandoffNotFound:
            raise not_found(f"no handoff {handoff_id!r}") from None

    def _owned(self, handoff_id: str, user: User, action: str) -> HandoffRecord:
        """The record if it is assigned and ``user`` is its agent or a supervisor; 409/403 otherwise."""
        record = self._get(handoff_id)
        if record.status == "resolved":
            raise conflict(f"handoff {handoff_id} is already resolved")
        if record.status != "assigned":
            raise conflict(f"handoff {handoff_id} is {record.status}: claim it before you {action}")
        if record.agent != user.username and not user.is_supervisor:
            raise forbidden(
                f"handoff {handoff_id} is assigned to {record.agent}; only they or a supervisor may {action}"
            )
        return record


def _not_offered_message(record: HandoffRecord, routing: Routing, now: float) -> str:
    """Why an agent may not claim a handoff yet, and when they may."""
    if set(routing.offers.values()) == {DEDICATED_AGENT}:
        first = "the customer's dedicated agent"
    else:
        first = f"agents who speak {routing.language}" + (
            " and the customer's dedicated agent" if routing.dedicated_agent else "")
    wait = max(0, round(routing.open_to_all_at - now))
    return (f"handoff {record.handoff_id} is offered first to {first}; "
            f"it is offered to everyone in {wait} s, or a supervisor may assign it")


def _last_user_words(record: HandoffRecord, transcript: list[Turn]) -> str:
    said = [t.text for t in transcript if t.role == "user"][-_SUGGESTION_TURNS:]
    return " ".join(said) or record.summary
