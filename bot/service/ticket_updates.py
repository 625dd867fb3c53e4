"""Tell a user what happened to their ticket (过程同步), on their own channel, in their language.

WeChat only inside its 48-hour customer-service window (outside it the ticket asks an agent
to call); Telegram always; the web chat live when a socket is open, else at the next visit.
The texts are domain.yml's responses (bot/service/ticket_messages.py).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import utcnow
from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.reach import UserReach
from bot.language import DEFAULT_LANGUAGE
from bot.service.labels import Labels
from bot.service.ticket_messages import ResponseTemplates
from bot.service.tickets import SYSTEM, Ticket, TicketStore

logger = logging.getLogger(__name__)

WECHAT, TELEGRAM, WEB, REST = "wechat", "telegram", "socketio", "rest"
_PREFIXES = {"wx-": WECHAT, "tg-": TELEGRAM}
# The note a ticket gets when its user cannot be written to: an agent calls instead.
CALL_NOTE = "outside WeChat's 48-hour window: please call the user ({what})"
UNREACHABLE_NOTE = "the user's channel ({channel}) cannot be written to: please call the user ({what})"


@dataclass(frozen=True)
class Delivery:
    """What became of one update: ``sent``, ``next_visit`` (web chat closed), ``call`` (an agent must)."""

    how: str
    channel: str
    language: str
    text: str = ""


class TicketUpdates:
    """Send ticket news and return visits to users."""

    def __init__(
        self,
        tickets: TicketStore,
        outbox: Outbox,
        reach: UserReach,
        templates: ResponseTemplates,
        labels: Labels,
        wechat_window_seconds: float = 48 * 3600,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._tickets = tickets
        self._outbox = outbox
        self._reach = reach
        self._templates = templates
        self._labels = labels
        self._window = wechat_window_seconds
        self._clock = clock

    def tell(self, ticket: Ticket, response: str, note: str = "") -> Delivery:
        """Send ``response`` (a domain.yml response name) about ``ticket`` with ``note`` filled in."""
        reach = self._reach.get(ticket.conversation_id)
        channel = reach.channel or channel_of(ticket.conversation_id)
        language = reach.language or DEFAULT_LANGUAGE
        values = {"ticket_id": ticket.ticket_id, "note": note, "team": self._labels.text("team", ticket.team, language)}
        text = self._templates.render(response, language, values)
        how = self._route(ticket, channel, reach.last_user_at, reach.web_online, "a ticket update")
        if how == "sent":
            self._outbox.publish(OutboxMessage(channel, ticket.conversation_id, text=text))
        elif how == "next_visit":
            self._reach.keep_for_next_visit(ticket.conversation_id, text)
        return Delivery(how, channel, language, text)

    def return_visit(self, ticket: Ticket) -> Delivery:
        """Let the bot ask whether the ticket's problem is fixed, for a 1–5 rating (回访)."""
        reach = self._reach.get(ticket.conversation_id)
        channel = reach.channel or channel_of(ticket.conversation_id)
        language = reach.language or DEFAULT_LANGUAGE
        how = self._route(ticket, channel, reach.last_user_at, reach.web_online, "the return visit")
        if how == "sent":
            self._outbox.publish(OutboxMessage(channel, ticket.conversation_id, kind="return_visit"))
        elif how == "next_visit":
            self._reach.keep_for_next_visit(ticket.conversation_id, "", intent=RETURN_VISIT_INTENT)
        return Delivery(how, channel, language)

    def _route(self, ticket: Ticket, channel: str, last_user_at: float, web_online: bool, what: str) -> str:
        now = self._clock().timestamp()
        if channel == WECHAT and now - last_user_at > self._window:
            self._tickets.add_note(ticket.ticket_id, SYSTEM, CALL_NOTE.format(what=what))
            return "call"
        if channel == WEB:
            return "sent" if web_online else "next_visit"
        if channel in (WECHAT, TELEGRAM, REST):
            return "sent"  # REST: it waits in the user's inbox and comes with their next request
        logger.info("ticket %s: %s not sent, channel %r has no way to write first", ticket.ticket_id, what, channel)
        self._tickets.add_note(ticket.ticket_id, SYSTEM, UNREACHABLE_NOTE.format(channel=channel or "?", what=what))
        return "call"


RETURN_VISIT_INTENT = "/return_visit"


def channel_of(conversation_id: str) -> str:
    """The channel a conversation id belongs to when nothing was recorded: by prefix, else the web chat."""
    return next((name for prefix, name in _PREFIXES.items() if conversation_id.startswith(prefix)), WEB)
