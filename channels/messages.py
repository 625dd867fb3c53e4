"""What every channel does to a user's text before anything else sees it."""
from __future__ import annotations

from typing import Any

MAX_MESSAGE_CHARS = 4000
# Metadata key set on a UserMessage whose text was cut; the bot then tells the user
# (utter_message_truncated, see actions/triage.py).
TRUNCATED = "truncated"


def _stripped(raw: str) -> str:
    return raw.replace("\x00", "").strip()


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
