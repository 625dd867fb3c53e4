"""Satisfaction ratings (1–5), stored with the conversation in Redis."""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

import redis

RATING_STREAM = "cs:ratings"
_WORDS = {
    5: ("非常满意", "很满意", "excellent", "very satisfied", "great", "perfect"),
    4: ("满意", "不错", "good", "satisfied"),
    3: ("一般", "还行", "ok", "okay", "average", "so-so"),
    2: ("不满意", "不太满意", "poor", "unsatisfied", "dissatisfied"),
    1: ("非常不满意", "很差", "太差", "terrible", "very poor", "awful"),
}


def parse_rating(text: str) -> Optional[int]:
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


class FeedbackStore:
    """Appends ratings to a Redis stream and keeps each conversation's latest one."""

    def __init__(self, client: redis.Redis, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
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
        pipe.hset(f"cs:conversation:{conversation_id}", mapping={"rating": rating, "rated_at": at})
        pipe.execute()

    def latest(self, conversation_id: str) -> Optional[int]:
        """The conversation's latest rating, or None."""
        value = self._redis.hget(f"cs:conversation:{conversation_id}", "rating")
        return int(value) if value is not None else None
