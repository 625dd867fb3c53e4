"""Rasa's replies (and agents' messages) to a Telegram chat, through the Bot API.

The bot's own replies never raise: a failed send is logged (without the token or personal
data) and the conversation goes on. An agent's message raises on a failure worth retrying,
so the outbox delivers it again; one that can never arrive (the user blocked the bot) is
logged and dropped.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import warnings
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import redis
from rasa.core.channels.channel import OutputChannel
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from channels.telegram.buttons import inline_keyboard
from channels.telegram.client import TelegramBot, TelegramSetupError
from channels.telegram.updates import chat_id_of

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
# Telegram takes up to 4096 characters per message; keep a margin for its own counting.
MAX_TELEGRAM_CHARS = 4000
SEND_ATTEMPTS = 3
MAX_RETRY_WAIT_SECONDS = 30.0


class TelegramDeliveryError(RuntimeError):
    """A send failed in a way worth retrying later; the message says why, without secrets."""


def split_text(text: str, limit: int = MAX_TELEGRAM_CHARS) -> list[str]:
    """``text`` in pieces Telegram accepts, cut at a line break where one is near the limit."""
    pieces = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", limit // 2, limit)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait (PTB 22 warns on reading it as a number; read it either way)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramOutput(OutputChannel):
    """Sends to the chat behind a ``tg-<chat id>`` conversation."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(
        self,
        bot: TelegramBot,
        redis_client: redis.Redis,
        max_retry_wait: float = MAX_RETRY_WAIT_SECONDS,
    ) -> None:
        self.bot = bot
        self._redis = redis_client
        self._max_retry_wait = max_retry_wait

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """A bot reply."""
        await self._quietly(self._send(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """A bot reply with an inline keyboard under its last piece."""
        async def send() -> None:
            markup = await asyncio.to_thread(inline_keyboard, buttons, self._redis)
            await self._send(recipient_id, text, markup)
        await self._quietly(send())

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """A picture by URL (Telegram fetches it)."""
        async def send() -> None:
            bot = await self.bot.ready()
            await self._with_retries(lambda: bot.send_photo(chat_id=chat_id_of(recipient_id), photo=image))
        await self._quietly(send())

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Custom payloads carry their words under ``text``; anything else has no Telegram form."""
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text.strip():
            await self.send_text_message(recipient_id, text)
        else:
            logger.warning("telegram: a custom message without text was not sent")

    async def send_attachment(
        self, recipient_id: str, attachment: Any, **kwargs: Any
    ) -> None:
        """Rasa's default would send made-up words; there is no generic attachment on Telegram."""
        logger.warning("telegram: an attachment was not sent (not supported on this channel)")

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Each element as its title and subtitle, with its buttons."""
        for element in elements:
            text = "\n".join(str(element.get(key) or "") for key in ("title", "subtitle")).strip()
            buttons = element.get("buttons") or []
            if buttons:
                await self.send_text_with_buttons(recipient_id, text, buttons)
            elif text:
                await self.send_text_message(recipient_id, text)

    async def send_agent_message(self, recipient_id: str, text: str, agent: str = "") -> None:
        """A person's reply: raises TelegramDeliveryError when worth retrying (the outbox will)."""
        try:
            await self._send(recipient_id, text)
        except (Forbidden, BadRequest, ValueError) as error:
            logger.warning("telegram: an agent message to %s cannot be delivered (%s); dropped",
                           recipient_id, self.bot.describe(error))
        except (TelegramError, TelegramSetupError) as error:
            raise TelegramDeliveryError(self.bot.describe(error)) from None

    async def answer_button(self, callback_query_id: str) -> None:
        """Stop the spinner on the button the user pressed."""
        async def answer() -> None:
            bot = await self.bot.ready()
            await self._with_retries(lambda: bot.answer_callback_query(callback_query_id))
        await self._quietly(answer())

    async def _send(
        self, recipient_id: str, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        chat_id = chat_id_of(recipient_id)
        pieces = split_text(text or "")
        if not pieces:
            if markup is None:
                return
            pieces = ["…"]  # Telegram needs words under a keyboard; Rasa sent buttons alone
        bot = await self.bot.ready()
        for n, piece in enumerate(pieces, start=1):
            reply_markup = markup if n == len(pieces) else None
            await self._with_retries(
                functools.partial(bot.send_message, chat_id=chat_id, text=piece, reply_markup=reply_markup)
            )

    async def _with_retries(self, call: Callable[[], Any]) -> Any:
        """Retry on flood control (waiting as told) and on network trouble, a few times."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await call()
            except RetryAfter as error:
                wait = retry_seconds(error)
                if attempt == SEND_ATTEMPTS or wait > self._max_retry_wait:
                    raise
                await asyncio.sleep(wait)
            except BadRequest:
                raise
            except NetworkError:  # includes TimedOut
                if attempt == SEND_ATTEMPTS:
                    raise
                await asyncio.sleep(0.5 * attempt)
        return None

    async def _quietly(self, sending: Any) -> None:
        try:
            await sending
        except (TelegramError, TelegramSetupError, ValueError, redis.RedisError, OSError) as error:
            logger.warning("telegram: a bot reply was not sent (%s)", self.bot.describe(error))
