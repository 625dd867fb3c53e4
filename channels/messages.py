"""What every channel does to what a user sends before anything else sees it.

Text, ids and metadata come from outside: a JSON body may hold a lone surrogate ("\\ud800"),
which cannot be encoded as UTF-8 and would crash whatever writes it to Redis or a log. Text
keeps the user's words with such characters replaced; an id that is not clean text is refused
(the caller answers 400); metadata is kept only as far as it is clean JSON, without the keys
the channels themselves set.
"""
from __future__ import annotations

import json
import re
from typing import Any

from bot.service.identity import CLIENT_ADDRESS

MAX_MESSAGE_CHARS = 4000
MAX_ID_CHARS = 200
REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
# Metadata key set on a UserMessage whose text was cut; the bot then tells the user
# (utter_message_truncated, see actions/triage.py).
TRUNCATED = "truncated"


def _stripped(raw: str) -> str:
    return _SURROGATE.sub(REPLACEMENT, raw).replace("\x00", "").strip()


def clean_text(raw: Any) -> str | None:
    """The user's text, or None if there is none; over-long texts are cut to MAX_MESSAGE_CHARS."""
    if not isinstance(raw, str):
        return None
    text = _stripped(raw)
    if not text:
        return None
    return text[:MAX_MESSAGE_CHARS]


def was_truncated(raw: Any) -> bool:
    """True when ``clean_text(raw)`` had to cut the text."""
    return isinstance(raw, str) and len(_stripped(raw)) > MAX_MESSAGE_CHARS


def truncation_metadata(raw: Any) -> dict[str, Any]:
    """``{"truncated": True}`` for a text that was cut, else nothing: merged into a message's metadata."""
    return {TRUNCATED: True} if was_truncated(raw) else {}


def clean_id(raw: Any) -> str | None:
    """A sender or message id as given, or None unless it is a non-empty, printable, encodable string."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_ID_CHARS:
        return None
    if _SURROGATE.search(raw) or _CONTROL.search(raw):
        return None
    return raw


# Metadata keys only a channel sets (e.g. the client address that look-up limits count by).
RESERVED_METADATA = frozenset({CLIENT_ADDRESS, TRUNCATED})


def clean_metadata(raw: Any) -> dict[str, Any]:
    """The user's metadata object with unencodable characters replaced and reserved keys dropped."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            return {}
    if not isinstance(raw, dict):
        return {}
    try:
        text = json.dumps(raw, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return {}
    cleaned = json.loads(_SURROGATE.sub(REPLACEMENT, text))
    return {key: value for key, value in cleaned.items() if key not in RESERVED_METADATA}


def words_only(text: str) -> str:
    """``text`` as words: leading slashes go, so Rasa never reads it as ``/intent{…}``.

    Rasa strips a message before it looks for the slash, so "/ /restart" loses both.
    """
    while text.startswith("/"):
        text = text.lstrip("/").strip()
    return text or REPLACEMENT
