"""Rasa buttons as Telegram inline keyboards, and pressed buttons back to their payloads.

Telegram carries at most 64 bytes of ``callback_data`` per button. A payload that fits is
sent as it is; a longer one (``/inform{"order_number": …}``) is kept in Redis under a short
id derived from its hash, so the same payload always gets the same id and nothing grows.
"""
from __future__ import annotations

import hashlib
from typing import Any

import redis
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
# Callback data starting with this is a short id, never a payload (payloads that start with
# it are stored too, so they cannot be mistaken for one).
SHORT_ID_PREFIX = "~p:"
PAYLOAD_TTL_SECONDS = 30 * 24 * 3600


def payload_key(short_id: str) -> str:
    """Where the payload behind a short id is kept."""
    return f"cs:telegram:payload:{short_id}"


def needs_short_id(payload: str) -> bool:
    """True if ``payload`` cannot travel as callback_data itself."""
    return payload.startswith(SHORT_ID_PREFIX) or len(payload.encode("utf-8")) > MAX_CALLBACK_BYTES


def short_id(payload: str) -> str:
    """The callback_data standing for a long payload (23 ASCII bytes)."""
    return SHORT_ID_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def callback_data(payload: str, client: redis.Redis) -> str:
    """The callback_data for a button whose payload is ``payload``; stores long payloads."""
    if not needs_short_id(payload):
        return payload
    data = short_id(payload)
    client.set(payload_key(data), payload, ex=PAYLOAD_TTL_SECONDS)
    return data


def payload_of(data: str, client: redis.Redis) -> str | None:
    """The payload of a pressed button; None if its short id has expired."""
    if not data.startswith(SHORT_ID_PREFIX):
        return data
    stored = client.get(payload_key(data))
    if stored is None:
        return None
    return stored.decode("utf-8") if isinstance(stored, bytes) else str(stored)


def inline_keyboard(buttons: list[dict[str, Any]], client: redis.Redis) -> InlineKeyboardMarkup | None:
    """One button per row (long Chinese titles stay readable); None if no button is usable.

    A button with a ``url`` opens it; any other sends its ``payload`` (its title if it has none).
    """
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        url = button.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://", "tg://")):
            rows.append([InlineKeyboardButton(title, url=url)])
            continue
        payload = str(button.get("payload") or title)
        rows.append([InlineKeyboardButton(title, callback_data=callback_data(payload, client))])
    return InlineKeyboardMarkup(rows) if rows else None
