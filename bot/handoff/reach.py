"""How a user can be reached outside a reply: their channel, language, last message, open web chat.

Used to tell users about their tickets (过程同步): WeChat lets an account message a user only
within 48 hours of the user's last message; a web user hears it live only while the chat is
open, else at the next visit. Keys: ``cs:reach:<conversation>`` (hash: channel, language,
last_user_at), ``cs:reach:<conversation>:sockets`` (open web chats) and
``cs:reach:<conversation>:later`` (texts for the next visit).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import redis

from bot.clock import utcnow
from bot.redis_text import as_text

_TTL_SECONDS = 90 * 86400  # a user silent for three months is reached by a call, if at all
_LATER_MAX = 50  # notices kept for one user's next visit
_SOCKET_TTL_SECONDS = 86400  # a socket count left by a crashed server stops counting after a day


def _key(conversation_id: str) -> str:
    return f"cs:reach:{conversation_id}"


def _sockets(conversation_id: str) -> str:
    return f"cs:reach:{conversation_id}:sockets"


@dataclass(frozen=True)
class Reach:
    """What is known about reaching one user."""

    channel: str = ""
    language: str = ""
    last_user_at: float = 0.0
    web_online: bool = False


@dataclass(frozen=True)
class Held:
    """A text to show, or an intent for the bot to run, at the user's next visit."""

    text: str = ""
    intent: str = ""


class UserReach:
    """Record and read how each conversation's user can be reached."""

    def __init__(self, client: redis.Redis, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._redis = client
        self._clock = clock

    def user_wrote(self, conversation_id: str, channel: str, language: str | None) -> None:
        """The user sent a message on ``channel`` now (in ``language``, when it had words)."""
        fields: dict[str, str | float] = {"channel": channel, "last_user_at": self._clock().timestamp()}
        if language:
            fields["language"] = language
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(_key(conversation_id), mapping=fields)
        pipe.expire(_key(conversation_id), _TTL_SECONDS)
        pipe.expire(_sockets(conversation_id), _SOCKET_TTL_SECONDS)  # a chat that writes is open
        pipe.execute()

    def get(self, conversation_id: str) -> Reach:
        """What is known; empty fields for a user never seen."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.hgetall(_key(conversation_id))
        pipe.get(_sockets(conversation_id))
        raw, sockets = pipe.execute()
        values = {as_text(k): as_text(v) for k, v in raw.items()}
        return Reach(
            channel=values.get("channel", ""),
            language=values.get("language", ""),
            last_user_at=float(values.get("last_user_at") or 0),
            web_online=int(as_text(sockets or 0)) > 0,
        )

    def web_connected(self, conversation_id: str) -> None:
        """A web chat socket joined the user's session."""
        pipe = self._redis.pipeline()
        pipe.incr(_sockets(conversation_id))
        pipe.expire(_sockets(conversation_id), _SOCKET_TTL_SECONDS)
        pipe.hset(_key(conversation_id), "channel", "socketio")
        pipe.expire(_key(conversation_id), _TTL_SECONDS)
        pipe.execute()

    def web_disconnected(self, conversation_id: str) -> None:
        """A web chat socket of the session closed."""
        if self._redis.decr(_sockets(conversation_id)) <= 0:
            self._redis.delete(_sockets(conversation_id))

    def keep_for_next_visit(self, conversation_id: str, text: str, intent: str = "") -> None:
        """Hold ``text`` (or an ``intent`` for the bot, such as the return visit) until the user opens the chat again."""
        later = f"{_key(conversation_id)}:later"
        entry = {"text": text, "intent": intent, "at": self._clock().timestamp()}
        pipe = self._redis.pipeline()
        pipe.rpush(later, json.dumps(entry, ensure_ascii=False))
        pipe.ltrim(later, -_LATER_MAX, -1)
        pipe.expire(later, _TTL_SECONDS)
        pipe.execute()

    def take_for_visit(self, conversation_id: str) -> list[Held]:
        """What was held, oldest first, removed in the same step (so two sockets never both show it)."""
        later = f"{_key(conversation_id)}:later"
        pipe = self._redis.pipeline()
        pipe.lrange(later, 0, -1)
        pipe.delete(later)
        held, _ = pipe.execute()
        entries = [json.loads(as_text(raw)) for raw in held]
        return [Held(str(e.get("text") or ""), str(e.get("intent") or "")) for e in entries]
