"""The bot's messages as WeChat text: joined, buttons as numbered options, cut to WeChat's size.

A passive reply is one text message and WeChat text has no buttons, so buttons become numbered
lines ("1. 好的,转人工") and the number the user types is turned back into the button's payload
(the mapping waits in Redis per user). Buttons whose payloads are numbers already (a 1–5
rating) are listed as they are: typing "5" means 5, not the fifth line.
"""
from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis
from wechatpy.replies import TextReply

# WeChat takes at most 2048 bytes of text in one message.
MAX_TEXT_BYTES = 2048
CHOICES_TTL_SECONDS = 30 * 60

_NUMBER = re.compile(r"\d{1,3}")
# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Rendered:
    """A reply as one text, and the payload behind each number it offers."""

    text: str
    choices: dict[str, str] = field(default_factory=dict)


def _buttons(message: Mapping[str, Any]) -> list[dict[str, str]]:
    buttons = message.get("buttons") or message.get("quick_replies") or []
    return [
        {"title": str(b.get("title", "")).strip(), "payload": str(b.get("payload", "")).strip()}
        for b in buttons
        if isinstance(b, Mapping) and str(b.get("title", "")).strip()
    ]


def render_messages(messages: Iterable[Mapping[str, Any]]) -> Rendered:
    """Join Rasa's messages (text, buttons, image and attachment links) into one text."""
    messages = [m for m in messages if isinstance(m, Mapping)]
    all_buttons = [b for m in messages for b in _buttons(m)]
    numbered = not any(_NUMBER.fullmatch(b["payload"]) for b in all_buttons)
    parts: list[str] = []
    choices: dict[str, str] = {}
    for message in messages:
        lines = [str(message["text"]).strip()] if message.get("text") else []
        for button in _buttons(message):
            if numbered:
                number = str(len(choices) + 1)
                choices[number] = button["payload"] or button["title"]
                lines.append(f"{number}. {button['title']}")
            else:
                lines.append(button["title"])
        for key in ("image", "attachment"):
            if isinstance(message.get(key), str) and message[key].strip():
                lines.append(message[key].strip())
        custom = message.get("custom")
        if isinstance(custom, Mapping) and isinstance(custom.get("text"), str):
            lines.append(custom["text"].strip())
        text = "\n".join(line for line in lines if line)
        if text:
            parts.append(text)
    return Rendered(text="\n\n".join(parts), choices=choices)


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-8 bytes, cut at blank lines, then lines, then characters."""
    if len(text.encode("utf-8")) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    for separator in ("\n\n", "\n"):
        if separator in text:
            current = ""
            for part in text.split(separator):
                candidate = f"{current}{separator}{part}" if current else part
                if len(candidate.encode("utf-8")) <= limit:
                    current = candidate
                    continue
                if current:
                    pieces.append(current)
                if len(part.encode("utf-8")) <= limit:
                    current = part
                else:
                    pieces.extend(split_text(part, limit))
                    current = ""
            if current:
                pieces.append(current)
            return [p for p in pieces if p.strip()]
    current = ""
    for char in text:
        if len((current + char).encode("utf-8")) > limit:
            pieces.append(current)
            current = ""
        current += char
    return pieces + ([current] if current else [])


def fits_one_message(text: str) -> bool:
    """True if ``text`` can go back as a single passive reply."""
    return bool(text) and len(text.encode("utf-8")) <= MAX_TEXT_BYTES


def text_reply_xml(openid: str, account: str, text: str) -> str:
    """A passive text reply (wechatpy's TextReply), safe for any text: no way out of its CDATA."""
    content = _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>")
    return TextReply(source=account, target=openid, content=content, time=int(time.time())).render()


def normalise_choice(text: str) -> str:
    """What a typed option number looks like once full-width digits and a trailing dot are dropped."""
    return unicodedata.normalize("NFKC", text).strip().rstrip(".、)").strip()


class ChoiceMemory:
    """The options last offered to each WeChat user, so a typed number can stand for a button."""

    def __init__(self, client: redis.Redis, ttl_seconds: int = CHOICES_TTL_SECONDS) -> None:
        self._redis = client
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def key(openid: str) -> str:
        """Where the options offered to one user are kept."""
        return f"cs:wechat:choices:{openid}"

    def remember(self, openid: str, choices: Mapping[str, str]) -> None:
        """Keep the latest reply's options; a reply without options forgets the earlier ones."""
        if choices:
            self._redis.set(self.key(openid), json.dumps(dict(choices), ensure_ascii=False), ex=self.ttl_seconds)
        else:
            self._redis.delete(self.key(openid))

    def resolve(self, openid: str, text: str) -> str:
        """The payload behind ``text`` if it is the number of an offered option, else ``text`` itself."""
        number = normalise_choice(text)
        if not _NUMBER.fullmatch(number):
            return text
        raw = self._redis.get(self.key(openid))
        if not raw:
            return text
        try:
            choices = json.loads(raw)
        except ValueError:
            return text
        payload = choices.get(number) if isinstance(choices, dict) else None
        if not isinstance(payload, str) or not payload:
            return text
        self._redis.delete(self.key(openid))
        return payload
