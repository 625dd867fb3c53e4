"""WeChat's XML pushes, read safely, and what each one means for the bot.

WeChat posts one flat ``<xml>`` element per message or event. Nothing legitimate in it needs
a DOCTYPE or entities, so both are refused before the parser sees the text (no entity
expansion, no external entities), and the body is size-limited. Pure functions, no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from channels.messages import clean_text, was_truncated

# WeChat's pushes are a few hundred bytes; encrypted ones about a third more. Far above that is abuse.
MAX_XML_BYTES = 64 * 1024

GREET = "/greet"
NON_TEXT = "/non_text_message"

# Message types the bot cannot read: it asks for words (utter_ask_for_text).
NON_TEXT_TYPES = frozenset({"image", "voice", "video", "shortvideo", "location", "link", "file"})

# openids and account ids are short tokens of letters, digits, "_" and "-"; anything else is refused.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FORBIDDEN = re.compile(rb"<!\s*(doctype|entity|element|attlist|notation)", re.IGNORECASE)


class BadXml(ValueError):
    """The body is not a WeChat XML push we are willing to read."""


def parse_xml(body: bytes | str) -> dict[str, str]:
    """The text fields of WeChat's ``<xml>`` element (nested elements and attributes are dropped).

    Raises BadXml for anything else: empty, too big, not UTF-8, malformed, a DOCTYPE or entity.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if not raw.strip():
        raise BadXml("empty body")
    if len(raw) > MAX_XML_BYTES:
        raise BadXml("body too large")
    if _FORBIDDEN.search(raw):
        raise BadXml("DOCTYPE and entity declarations are not accepted")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadXml("the body is not UTF-8") from None
    try:
        document = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError, TypeError, RecursionError) as error:
        raise BadXml(f"malformed XML ({type(error).__name__})") from None
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise BadXml("the root element must be <xml> with fields")
    fields = {}
    for name, value in root.items():
        if name.startswith(("@", "#")):
            continue
        if value is None:
            fields[name] = ""
        elif isinstance(value, str):
            fields[name] = value
    return fields


@dataclass(frozen=True)
class Inbound:
    """One push from a user, as the channel passes it on.

    ``text`` goes to the bot (the user's words, or an intent such as ``/greet``); ``note`` is
    what an agent sees in the transcript if a person has the conversation.
    """

    openid: str
    account: str
    message_id: str
    text: str
    note: str
    kind: str  # "text", "non_text" or "event"
    truncated: bool = False  # the text was cut to MAX_MESSAGE_CHARS


def read_message(fields: Mapping[str, str]) -> Inbound | None:
    """What a push means, or None when it needs no answer (unknown types, other events, junk)."""
    openid = fields.get("FromUserName", "")
    account = fields.get("ToUserName", "")
    if not _ID.fullmatch(openid) or not _ID.fullmatch(account):
        return None
    msg_type = fields.get("MsgType", "").strip().lower()
    created = fields.get("CreateTime", "").strip()
    message_id = fields.get("MsgId", "").strip() or f"{openid}-{created}"

    def inbound(text: str, note: str, kind: str, key: str = message_id, raw: Any = None) -> Inbound:
        return Inbound(
            openid=openid, account=account, message_id=key, text=text, note=note, kind=kind, truncated=was_truncated(raw)
        )

    if msg_type == "text":
        words = clean_text(fields.get("Content"))
        return inbound(words, words, "text", raw=fields.get("Content")) if words else None
    if msg_type == "voice":
        # With speech recognition switched on for the account, WeChat sends what was said.
        words = clean_text(fields.get("Recognition"))
        if words:
            return inbound(words, words, "text", raw=fields.get("Recognition"))
    if msg_type in NON_TEXT_TYPES:
        return inbound(NON_TEXT, f"[{msg_type}]", "non_text")
    if msg_type == "event" and fields.get("Event", "").strip().lower() == "subscribe":
        # Events have no MsgId: the sender and the second it happened identify them.
        return inbound(GREET, "[subscribe]", "event", key=f"event-{openid}-{created}")
    return None
