"""The choices the bot last offered a conversation, so a typed number can stand for a button.

The terminal chat and WeChat show buttons as numbered lines, and people type a number on the
other channels too. One rule, used to show the numbers and to read them back: the buttons of
one bot turn, in order, numbered from 1 — unless one of them has a number as its payload (the
1–5 rating): then a typed number is the user's own words and nothing is numbered.

The channels' pipeline (channels.pipeline) keeps each turn's choices here, per conversation,
and reads a bare number against them before anything else sees it. So "2" after "是否已解决?"
with 已解决 / 没解决 is 没解决's payload on every channel; a number that is none of the choices
gets a request to say it in words, never a guess.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

# As long as a Rasa session (domain.yml session_config): while the question is open, its choices are kept.
CHOICES_TTL_SECONDS = 60 * 60
_NUMBER = re.compile(r"\d{1,3}")


@dataclass(frozen=True)
class Choice:
    """One offered button: what the user sees and what it sends."""

    title: str
    payload: str


def buttons_of(message: Mapping[str, Any]) -> list[Choice]:
    """The titled buttons (or quick replies) of one bot message; a button without payload sends its title."""
    raw = message.get("buttons") or message.get("quick_replies") or []
    choices = []
    for button in raw if isinstance(raw, list) else []:
        if not isinstance(button, Mapping):
            continue
        title = str(button.get("title", "")).strip()
        if title:
            choices.append(Choice(title, str(button.get("payload", "")).strip() or title))
    return choices


def numbered_choices(messages: Iterable[Mapping[str, Any]]) -> dict[str, Choice]:
    """The buttons of one turn's ``messages`` by number ("1", "2", …); none if a payload is a number."""
    buttons = [b for m in messages if isinstance(m, Mapping) for b in buttons_of(m)]
    if any(_NUMBER.fullmatch(b.payload) for b in buttons):
        return {}
    return {str(number): button for number, button in enumerate(buttons, start=1)}


def normalise_choice(text: str) -> str:
    """What a typed option number looks like once full-width digits and a trailing dot are dropped."""
    return unicodedata.normalize("NFKC", text).strip().rstrip(".、)").strip()


def bare_number(text: str) -> str | None:
    """The number when ``text`` is nothing but a short number ("2", "２", "2."), else None."""
    number = normalise_choice(text)
    return number if _NUMBER.fullmatch(number) else None


class OfferedChoices:
    """The numbered choices of the bot's latest turn in each conversation, kept in Redis for a session."""

    def __init__(self, client: redis.Redis, ttl_seconds: int = CHOICES_TTL_SECONDS) -> None:
        self._redis = client
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def key(conversation: str) -> str:
        """Where the choices offered in one conversation are kept."""
        return f"cs:choices:{conversation}"

    def remember(self, conversation: str, choices: Mapping[str, Choice]) -> None:
        """Keep the latest turn's choices; a turn without any forgets the earlier ones."""
        if choices:
            value = {number: [c.title, c.payload] for number, c in choices.items()}
            self._redis.set(self.key(conversation), json.dumps(value, ensure_ascii=False), ex=self.ttl_seconds)
        else:
            self._redis.delete(self.key(conversation))

    def offered(self, conversation: str) -> dict[str, Choice]:
        """The choices on offer in ``conversation`` (none when nothing is, or what is kept is unreadable)."""
        raw = self._redis.get(self.key(conversation))
        try:
            value = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        if not isinstance(value, dict):
            return {}
        return {
            str(number): Choice(str(pair[0]), str(pair[1]))
            for number, pair in value.items()
            if isinstance(pair, list) and len(pair) == 2 and pair[1]
        }

    def forget(self, conversation: str) -> None:
        """Nothing is on offer any more (the user chose)."""
        self._redis.delete(self.key(conversation))
