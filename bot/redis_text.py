"""Redis answers as text, whether the client decodes responses or hands back bytes."""
from __future__ import annotations

from typing import Any


def as_text(value: Any) -> str:
    """``value`` decoded from UTF-8 if Redis gave bytes, else as a string."""
    return value.decode() if isinstance(value, bytes) else str(value)
