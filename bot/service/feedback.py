"""Satisfaction ratings (1–5): read from what people type, kept on a Redis stream and with the conversation.

Keys: ``cs:ratings`` (stream: conversation_id, rating, channel, ticket_id, at) and the ``rating`` and
``rated_at`` fields of the conversation's hash (``bot.handoff.store.conversation_key``).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from bot.clock import utcnow
from bot.handoff.store import conversation_key
from bot.redis_text import as_text

RATING_STREAM = "cs:ratings"
_PAGE = 1000  # stream entries per read
_SKEW_SECONDS = 86400  # how far a rating's own time may run ahead of the server's
_WORDS = {
    5: ("非常满意", "很满意", "excellent", "very satisfied", "great", "perfect"),
    4: ("满意", "不错", "good", "satisfied"),
    3: ("一般", "还行", "ok", "okay", "average", "so-so"),
    2: ("不满意", "不太满意", "poor", "unsatisfied", "dissatisfied"),
    1: ("非常不满意", "很差", "太差", "terrible", "very poor", "awful"),
}


def parse_rating(text: str) -> int | None:
    """A 1–5 rating from "5", "4分", "五星", "非常满意", "/rate{"rating":"3"}"…; None if there is none."""
    cleaned = (text or "").strip().lower()
    digits = [c for c in cleaned if c.isdigit()]
    if len(digits) == 1 and 1 <= int(digits[0]) <= 5:
        return int(digits[0])
    for number, word in enumerate("一二三四五", start=1):
        if f"{word}星" in cleaned or f"{word}分" in cleaned or cleaned == word:
            return number
    # Longest words first, so 非常不满意 is not read as 满意.
    for rating, word in sorted(((r, w) for r, ws in _WORDS.items() for w in ws), key=lambda p: -len(p[1])):
        if word in cleaned:
            return rating
    return None


@dataclass(frozen=True)
class Rating:
    """One 1–5 satisfaction rating from the stream."""

    conversation_id: str
    rating: int
    at: float
    channel: str = ""
    ticket_id: str = ""


def _score(value: Any) -> int | None:
    """A stored rating as 1–5, or None if it is not one."""
    try:
        score = int(float(as_text(value)))
    except ValueError:
        return None
    return score if 1 <= score <= 5 else None


def _rating_of(fields: Mapping[Any, Any]) -> Rating | None:
    """The rating in one stream entry, or None if it holds none."""
    values = {as_text(k): as_text(v) for k, v in fields.items()}
    score = _score(values.get("rating", ""))
    if score is None:
        return None
    try:
        at = float(values.get("at", ""))
    except ValueError:
        return None
    return Rating(values.get("conversation_id", ""), score, at, values.get("channel", ""), values.get("ticket_id", ""))


class FeedbackStore:
    """Appends ratings to a Redis stream and keeps each conversation's latest one."""

    def __init__(self, client: redis.Redis, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._redis = client
        self._clock = clock

    def record(self, conversation_id: str, rating: int, channel: str = "", ticket_id: str = "") -> None:
        """Store one rating."""
        if not 1 <= rating <= 5:
            raise ValueError("a rating is 1 to 5")
        at = self._clock().timestamp()
        entry = {"conversation_id": conversation_id, "rating": rating, "channel": channel, "ticket_id": ticket_id, "at": at}
        pipe = self._redis.pipeline()
        pipe.xadd(RATING_STREAM, entry)
        pipe.hset(conversation_key(conversation_id), mapping={"rating": rating, "rated_at": at})
        pipe.execute()

    def latest(self, conversation_id: str) -> int | None:
        """The conversation's latest rating, or None."""
        value = self._redis.hget(conversation_key(conversation_id), "rating")
        return _score(value) if value is not None else None

    def ratings_between(self, since: float, until: float = math.inf, latest: int | None = None) -> list[Rating]:
        """Ratings given in ``[since, until)`` by their own ``at``, oldest first; only the newest
        ``latest`` of them if given.

        Entry ids are the server's receive times: the read starts a day before ``since`` (clock
        skew) and runs to the end, as a rating can arrive after what it rates.
        """
        low = f"{max(0, int((since - _SKEW_SECONDS) * 1000))}-0"
        entries = self._newest_first(low, max(_PAGE, latest)) if latest is not None else self._oldest_first(low)
        found: list[Rating] = []
        for fields in entries:
            rating = _rating_of(fields)
            if rating is not None and since <= rating.at < until:
                found.append(rating)
                if latest is not None and len(found) >= latest:
                    break
        return sorted(found, key=lambda r: r.at)

    def _oldest_first(self, low: str) -> Iterator[Mapping[Any, Any]]:
        while True:
            entries = self._redis.xrange(RATING_STREAM, min=low, max="+", count=_PAGE)
            yield from (fields for _id, fields in entries)
            if len(entries) < _PAGE:
                return
            millis, sequence = _entry_id(entries[-1][0])
            low = f"{millis}-{sequence + 1}"  # just after the last one read

    def _newest_first(self, low: str, page: int) -> Iterator[Mapping[Any, Any]]:
        high = "+"
        while True:
            entries = self._redis.xrevrange(RATING_STREAM, max=high, min=low, count=page)
            yield from (fields for _id, fields in entries)
            if len(entries) < page:
                return
            millis, sequence = _entry_id(entries[-1][0])
            if sequence:
                high = f"{millis}-{sequence - 1}"  # just before the last one read
            elif millis:
                high = f"{millis - 1}-{2 ** 64 - 1}"
            else:
                return


def _entry_id(value: Any) -> tuple[int, int]:
    millis, _, sequence = as_text(value).partition("-")
    return int(millis), int(sequence or 0)
