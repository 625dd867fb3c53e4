"""The editors' inbox: messages the bot did not understand, recorded once where it happened.

Keys (all owned here): ``cs:inbox:items`` (sorted set: item id by time), ``cs:inbox:item:<id>``
(hash: conversation_id, text (masked), kind, intent, confidence, at, handoff_id, and once
handled: handled_by, handled_at, handled_as), ``cs:inbox:latest:<conversation id>`` (the
conversation's latest item, for :data:`SAME_CASE_SECONDS`). Capped at :data:`MAX_ITEMS`, each
item kept for :data:`RETENTION_SECONDS`.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import redis

from bot.clock import utcnow
from bot.pii import mask_pii
from bot.redis_text import as_text

logger = logging.getLogger(__name__)

ITEMS = "cs:inbox:items"
MAX_ITEMS = 5000
RETENTION_SECONDS = 90 * 86400  # a quarter: long enough to see what keeps coming back
MAX_TEXT = 500
KINDS = ("fallback", "low_confidence", "not_solved", "low_rating", "handoff")
# Handoff reasons that mean the bot did not understand (bot/service/escalation.py), not that
# the user wanted a person or was angry.
NOT_UNDERSTOOD_REASONS = frozenset({"repeated_fallback", "answer_not_helpful", "same_problem_repeated"})
# The FallbackClassifier (config.yml) answers with nlu_fallback below 0.25; an answer between that
# and this was given, but barely: worth an editor's look.
LOW_CONFIDENCE = 0.5
# A handoff for repeated fallbacks follows the fallback just recorded for the same message:
# within this time it is the same case, so the handoff id is added to that item.
SAME_CASE_SECONDS = 600
LOW_RATING = 2  # ratings of 1 and 2 are "not satisfied" (bot/service/feedback.py's words)
# Intents that close or steer the conversation: never the message that was misunderstood.
_NOT_A_REQUEST = frozenset({"affirm", "deny", "thank", "goodbye", "greet", "rate", "handoff_resolved",
                            "request_human"})


def item_key(item_id: str) -> str:
    """The hash of one inbox item."""
    return f"cs:inbox:item:{item_id}"


def _latest_key(conversation_id: str) -> str:
    return f"cs:inbox:latest:{conversation_id}"


@dataclass(frozen=True)
class InboxItem:
    """One misunderstood message. The text is masked before it is stored."""

    item_id: str
    conversation_id: str
    text: str
    kind: str
    at: float
    intent: str = ""
    confidence: float | None = None
    handoff_id: str = ""
    handled_by: str = ""
    handled_at: float | None = None
    handled_as: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


def _float(value: Any) -> float | None:
    try:
        return float(as_text(value))
    except (TypeError, ValueError):
        return None


def _item(item_id: str, fields: Mapping[Any, Any]) -> InboxItem | None:
    values = {as_text(k): as_text(v) for k, v in fields.items()}
    at = _float(values.get("at"))
    if at is None or not values.get("kind"):
        return None
    return InboxItem(
        item_id=item_id, conversation_id=values.get("conversation_id", ""), text=values.get("text", ""),
        kind=values["kind"], at=at, intent=values.get("intent", ""), confidence=_float(values.get("confidence")),
        handoff_id=values.get("handoff_id", ""), handled_by=values.get("handled_by", ""),
        handled_at=_float(values.get("handled_at")), handled_as=values.get("handled_as", ""),
    )


class Inbox:
    """Records misunderstood messages and reads them back for the editors."""

    def __init__(self, client: redis.Redis, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._redis = client
        self._clock = clock

    def record(self, conversation_id: str, text: str, kind: str, intent: str = "",
               confidence: float | None = None, handoff_id: str = "") -> str | None:
        """Store one case (masked); its id, or None when there is no text or Redis failed.

        A handoff about the message just recorded for the same conversation adds its id to that
        item instead of recording the message twice. Never raises: it runs inside a reply, which
        must not break because the inbox could not be written.
        """
        cleaned = mask_pii((text or "").strip())[:MAX_TEXT]
        if not cleaned or kind not in KINDS:
            return None
        try:
            same_case = self._add_handoff(conversation_id, cleaned, handoff_id) if kind == "handoff" else None
            return same_case or self._add(
                conversation_id, cleaned, kind, intent, confidence, handoff_id)
        except (redis.RedisError, OSError) as error:
            logger.warning("inbox: could not record a %s message: %s", kind, error)
            return None

    def _add_handoff(self, conversation_id: str, text: str, handoff_id: str) -> str | None:
        """The id of the conversation's latest item when it is this message, now with ``handoff_id``."""
        if not handoff_id:
            return None
        latest = self._redis.get(_latest_key(conversation_id))
        if latest is None or as_text(self._redis.hget(item_key(as_text(latest)), "text") or "") != text:
            return None
        self._redis.hset(item_key(as_text(latest)), "handoff_id", handoff_id)
        return as_text(latest)

    def _add(self, conversation_id: str, cleaned: str, kind: str, intent: str,
             confidence: float | None, handoff_id: str) -> str:
        item_id = uuid.uuid4().hex[:16]
        now = self._clock().timestamp()
        fields: dict[str, Any] = {"conversation_id": conversation_id, "text": cleaned, "kind": kind,
                                  "intent": intent or "", "at": now, "handoff_id": handoff_id or ""}
        if confidence is not None:
            fields["confidence"] = round(float(confidence), 4)
        pipe = self._redis.pipeline()
        pipe.hset(item_key(item_id), mapping=fields)
        pipe.expire(item_key(item_id), RETENTION_SECONDS)
        pipe.zadd(ITEMS, {item_id: now})
        pipe.zremrangebyscore(ITEMS, "-inf", now - RETENTION_SECONDS)
        pipe.zremrangebyrank(ITEMS, 0, -MAX_ITEMS - 1)
        pipe.set(_latest_key(conversation_id), item_id, ex=SAME_CASE_SECONDS)
        pipe.execute()
        return item_id

    def recent(self, limit: int = 1000, include_handled: bool = False) -> list[InboxItem]:
        """The newest items first (handled ones only when asked)."""
        ids = [as_text(i) for i in self._redis.zrevrange(ITEMS, 0, max(0, limit - 1))]
        items = [item for item in self.items(ids) if include_handled or not item.handled_at]
        return items

    def items(self, item_ids: Sequence[str]) -> list[InboxItem]:
        """The items of ``item_ids`` that still exist, in that order."""
        pipe = self._redis.pipeline()
        for item_id in item_ids:
            pipe.hgetall(item_key(item_id))
        found = (_item(item_id, fields) for item_id, fields in zip(item_ids, pipe.execute(), strict=True))
        return [item for item in found if item is not None]

    def get(self, item_id: str) -> InboxItem | None:
        """One item, or None."""
        found = self.items([item_id])
        return found[0] if found else None

    def mark_handled(self, item_ids: Iterable[str], who: str, handled_as: str) -> None:
        """Note who handled these items, when and how ("intent:greet", "faq:change_password")."""
        now = self._clock().timestamp()
        pipe = self._redis.pipeline()
        for item_id in item_ids:
            if self._redis.exists(item_key(item_id)):
                pipe.hset(item_key(item_id), mapping={"handled_by": who, "handled_at": now, "handled_as": handled_as})
        pipe.execute()


def misunderstanding(
    latest_message: Mapping[str, Any], previous_bot_action: str | None, requests: Collection[str] = (),
) -> tuple[str, float | None] | None:
    """``(kind, confidence)`` when this user message shows the bot did not understand, else None.

    A fallback; an FAQ answer or a request (``requests``: the intents triage files) chosen
    with a confidence under :data:`LOW_CONFIDENCE`; or "no" to "is it solved?"
    (utter_ask_resolved), which rejects the answer before it.
    """
    intent = latest_message.get("intent") or {}
    name, confidence = intent.get("name"), _float(intent.get("confidence"))
    if name == "nlu_fallback":
        return "fallback", confidence
    if name == "deny" and previous_bot_action == "utter_ask_resolved":
        return "not_solved", None
    if name != "faq" and name not in requests:
        return None
    scores = [confidence]
    if name == "faq":  # the entry is chosen apart from the intent: either can be the unsure one
        selector = (latest_message.get("response_selector") or {}).get("faq") or {}
        scores.append(_float((selector.get("response") or {}).get("confidence")))
    known = [score for score in scores if score is not None]
    if known and min(known) < LOW_CONFIDENCE:
        return "low_confidence", min(known)
    return None


def last_request(events: Sequence[Mapping[str, Any]], skip_latest: bool = False) -> tuple[str, str]:
    """``(text, intent)`` of the user's latest message that asked for something (not "yes", "no", a rating…)."""
    users = [e for e in events if e.get("event") == "user" and (e.get("text") or "").strip()]
    if skip_latest and users:
        users = users[:-1]
    for event in reversed(users):
        text = (event.get("text") or "").strip()
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if text.startswith("/") or intent in _NOT_A_REQUEST:
            continue
        return text, intent
    return "", ""


def previous_bot_action(events: Sequence[Mapping[str, Any]]) -> str | None:
    """The last action before the latest user message, other than listening."""
    seen_user = False
    for event in reversed(events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None
