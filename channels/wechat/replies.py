"""The bot's messages as WeChat text: joined, buttons as numbered options, cut to WeChat's size.

A passive reply is one text message and WeChat text has no buttons, so buttons become numbered
lines ("1. 好的,转人工") by channels.choices' rule, and the number the user types is turned back
into the button's payload by the channels' pipeline (the choices wait in Redis per
conversation). Buttons whose payloads are numbers already (a 1–5 rating) are listed as they
are: typing "5" means 5, not the fifth line.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wechatpy.replies import TextReply

from channels.choices import Choice, buttons_of, numbered_choices

# WeChat takes at most 2048 bytes of text in one message.
MAX_TEXT_BYTES = 2048
# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Rendered:
    """A reply as one text, and the payload behind each number it offers."""

    text: str
    choices: dict[str, Choice] = field(default_factory=dict)


def render_messages(messages: Iterable[Mapping[str, Any]]) -> Rendered:
    """Join Rasa's messages (text, buttons, image and attachment links) into one text."""
    messages = [m for m in messages if isinstance(m, Mapping)]
    choices = numbered_choices(messages)
    parts: list[str] = []
    offered = 0
    for message in messages:
        lines = [str(message["text"]).strip()] if message.get("text") else []
        for button in buttons_of(message):
            if choices:
                offered += 1
                lines.append(f"{offered}. {button.title}")
            else:
                lines.append(button.title)
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
