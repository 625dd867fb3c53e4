"""Telegram updates in, as the one thing the bot acts on: pure functions, no I/O.

An update is parsed with python-telegram-bot's own types (``Update.de_json``) and reduced to
an :class:`Incoming`: which chat, what the user "said" (their words, a button's payload, or
the ``non_text_message`` intent for a sticker or a photo), and their app's language. Updates
the bot has nothing to say to (edits, channel posts, membership changes, unknown kinds)
become ``None``; structurally broken ones raise :class:`UnusableUpdate`.
"""
from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from typing import Any, TypeGuard

from telegram import Bot, Message, Update

from channels.messages import clean_text, was_truncated

NON_TEXT_INTENT = "non_text_message"
GREET_INTENT = "greet"
CONVERSATION_PREFIX = "tg-"
SUPPORTED_LANGUAGES = ("zh", "en")

# What a user can send that is not words; each of these makes the bot ask for words.
_NON_TEXT_KINDS = (
    "sticker", "photo", "voice", "video", "video_note", "animation", "audio", "document",
    "location", "venue", "contact", "dice", "poll",
)
# "/start", "/start@SomeBot", "/start some-deep-link-payload"
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@[A-Za-z0-9_]{1,64})?(?:\s|$)")


class UnusableUpdate(ValueError):
    """The body is not a Telegram update the channel can read."""


@dataclass(frozen=True)
class Incoming:
    """One user turn from Telegram.

    ``kind`` is ``text`` (``text`` is the user's words), ``media`` (``text`` is the
    non-text intent) or ``button`` (``text`` is the pressed button's ``callback_data``,
    still to be mapped back to its payload; ``callback_query_id`` must be answered).
    """

    update_id: int
    chat_id: int
    kind: str
    text: str
    language_code: str | None = None
    callback_query_id: str | None = None
    truncated: bool = False  # the text was cut to MAX_MESSAGE_CHARS

    @property
    def conversation_id(self) -> str:
        """The conversation's id in Rasa, the handoff record and the outbox."""
        return conversation_id(self.chat_id)


def conversation_id(chat_id: int) -> str:
    """``tg-<chat id>``: one conversation per Telegram chat."""
    return f"{CONVERSATION_PREFIX}{chat_id}"


def chat_id_of(conversation: str) -> int:
    """The chat id inside a conversation id; ValueError if it is not a Telegram one."""
    if not conversation.startswith(CONVERSATION_PREFIX):
        raise ValueError("not a Telegram conversation id")
    return int(conversation[len(CONVERSATION_PREFIX):])


def secret_matches(received: str | None, expected: str) -> bool:
    """Constant-time check of the ``X-Telegram-Bot-Api-Secret-Token`` header."""
    if not received or not expected:
        return False
    return hmac.compare_digest(
        received.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def language_of(language_code: str | None) -> str | None:
    """The bot's language (zh | en) for an IETF tag from the user's app, if it is one of them."""
    if not isinstance(language_code, str):
        return None
    primary = language_code.split("-")[0].split("_")[0].lower()
    return primary if primary in SUPPORTED_LANGUAGES else None


def intent_message(intent: str, language_code: str | None) -> str:
    """Rasa's ``/intent`` syntax, with the ``language`` entity when the app's language is known.

    The entity fills the ``language`` slot, so a sticker sent before any words is still
    answered in the user's language.
    """
    language = language_of(language_code)
    if language is None:
        return f"/{intent}"
    return f"/{intent}{json.dumps({'language': language})}"


def user_text(raw: Any, language_code: str | None) -> str | None:
    """What the user typed, as Rasa should read it; None when there are no words.

    ``/start`` (sent when a user opens the bot) greets. Other commands lose their slash,
    so a user cannot trigger intents by typing ``/intent`` and "/help" reads as "help".
    """
    text = clean_text(raw)
    if text is None:
        return None
    command = _COMMAND.match(text)
    if command and command.group(1).lower() == "start":
        return intent_message(GREET_INTENT, language_code)
    while text.startswith("/"):  # "/ /intent" too: Rasa strips the text before it looks for a slash
        text = text.lstrip("/").strip()
    return clean_text(text)


def parse_update(data: Any, bot: Bot | None = None) -> Incoming | None:
    """Reduce a decoded webhook body to the user's turn, or None when there is nothing to answer.

    Raises UnusableUpdate when ``data`` is not a Telegram update at all.
    """
    if not isinstance(data, dict):
        raise UnusableUpdate("an update is a JSON object")
    update_id = data.get("update_id")
    if not _is_int(update_id):
        raise UnusableUpdate("an update has an integer update_id")
    try:
        update = Update.de_json(data, bot)
    except Exception as error:  # noqa: BLE001 - PTB raises whatever the malformed field provokes
        raise UnusableUpdate(f"not a Telegram update ({type(error).__name__})") from None
    if update.message is not None:
        return _from_message(update_id, update.message)
    if update.callback_query is not None:
        return _from_callback(update_id, update)
    # edited_message, channel_post, my_chat_member, …: nothing for the bot to say.
    return None


def _from_message(update_id: int, message: Message) -> Incoming | None:
    chat_id = _chat_id(message)
    language_code = _language_code(message.from_user)
    text = user_text(message.text, language_code)
    if text is not None:
        return Incoming(update_id, chat_id, "text", text, language_code, truncated=was_truncated(message.text))
    if any(getattr(message, kind, None) for kind in _NON_TEXT_KINDS):
        # A photo or a file with a caption comes with words: answer those.
        caption = user_text(message.caption, language_code)
        if caption is not None:
            return Incoming(update_id, chat_id, "text", caption, language_code, truncated=was_truncated(message.caption))
        intent = intent_message(NON_TEXT_INTENT, language_code)
        return Incoming(update_id, chat_id, "media", intent, language_code)
    # Service messages (a member joined, a pinned message, …) and empty texts.
    return None


def _from_callback(update_id: int, update: Update) -> Incoming | None:
    query = update.callback_query
    assert query is not None
    if not isinstance(query.id, str) or not query.id:
        raise UnusableUpdate("a callback query has an id")
    language_code = _language_code(query.from_user)
    if query.message is not None and getattr(query.message, "chat", None) is not None:
        chat_id = _chat_id(query.message)
    elif query.from_user is not None and _is_int(getattr(query.from_user, "id", None)):
        # A private chat's id is the user's id.
        chat_id = query.from_user.id
    else:
        raise UnusableUpdate("a callback query names its chat or user")
    data = query.data
    if not isinstance(data, str) or not data:
        # A game button or an inline-mode button: nothing the bot sent.
        return None
    return Incoming(update_id, chat_id, "button", data, language_code, callback_query_id=query.id)


def _chat_id(message: Any) -> int:
    chat = getattr(message, "chat", None)
    chat_id = getattr(chat, "id", None)
    if not _is_int(chat_id):
        raise UnusableUpdate("a message names its chat")
    return chat_id


def _language_code(user: Any) -> str | None:
    code = getattr(user, "language_code", None)
    return code if isinstance(code, str) and 0 < len(code) <= 35 else None


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
