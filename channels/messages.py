"""What every channel does to a user's text before anything else sees it."""
from __future__ import annotations

from typing import Any, Optional

MAX_MESSAGE_CHARS = 4000


def clean_text(raw: Any) -> Optional[str]:
    """The user's text, or None if there is none; over-long texts are cut to MAX_MESSAGE_CHARS."""
    if not isinstance(raw, str):
        return None
    text = raw.replace("\x00", "").strip()
    if not text:
        return None
    return text[:MAX_MESSAGE_CHARS]
