"""The handoff gate every channel passes a user message through before Rasa sees it.

While a conversation is queued or with an agent the bot stays silent: the message goes to
the handoff transcript (and so, live, to the console). A message a channel delivers twice
(a retry, a double click) is recognised by its id and dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import redis

from bot.handoff.reach import UserReach
from bot.handoff.store import HandoffStore
from bot.language import detect_language

# How long a message id is remembered: longer than any channel's retry window.
SEEN_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class GateDecision:
    """Where one user message goes."""

    to_bot: bool
    duplicate: bool = False
    handoff_id: str | None = None

    @property
    def to_agent(self) -> bool:
        """The message was recorded for the agent; the bot must not answer it."""
        return not self.to_bot and not self.duplicate


class HandoffGate:
    """Route user messages to the bot or to the human handling the conversation."""

    def __init__(self, client: redis.Redis, store: HandoffStore | None = None, reach: UserReach | None = None) -> None:
        self._redis = client
        self._store = store or HandoffStore(client)
        self._reach = reach or UserReach(client)

    def seen_before(self, channel: str, message_id: str | None) -> bool:
        """Remember ``message_id``; True if it was already seen (then drop the message)."""
        if not message_id:
            return False
        first = self._redis.set(f"cs:seen:{channel}:{message_id}", 1, nx=True, ex=SEEN_TTL_SECONDS)
        return not first

    def route(self, channel: str, conversation_id: str, text: str, message_id: str | None = None) -> GateDecision:
        """Decide where the message goes, recording it for the agent when a person has the conversation."""
        if self.seen_before(channel, message_id):
            return GateDecision(to_bot=False, duplicate=True)
        # Where and when the user last wrote: tickets tell them news there (WeChat's 48-hour window).
        self._reach.user_wrote(conversation_id, channel, detect_language(text) if not text.startswith("/") else None)
        handoff_id = self._store.active_handoff(conversation_id)
        if handoff_id is None:
            return GateDecision(to_bot=True)
        self._store.append(handoff_id, "user", text)
        return GateDecision(to_bot=False, handoff_id=handoff_id)
