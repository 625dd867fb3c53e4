"""The process's python-telegram-bot ``Bot``: built on first use, initialized once, token kept out of logs."""
from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.pii import mask_pii
from bot.settings import Secret, Settings

# These libraries put the request URL, which contains the bot token, or the message text
# into their INFO/DEBUG records; only their warnings are let through.
_CHATTY_LOGGERS = ("httpx", "httpcore", "telegram")


class TelegramSetupError(RuntimeError):
    """The Telegram channel is not configured well enough to run."""


class TelegramBot:
    """One ``telegram.Bot`` per process, pointed at ``base_url`` (the real Bot API or a stand-in).

    Building it does no I/O (its objects are needed to parse updates); :meth:`ready`
    initializes it (one ``getMe``) the first time a reply is sent.
    """

    def __init__(self, token: Secret, base_url: str, pool_size: int = 8) -> None:
        if not token:
            raise TelegramSetupError("TELEGRAM_TOKEN is not set")
        self._token = token
        self._base_url = base_url
        self._pool_size = pool_size
        self._bot: Bot | None = None
        self._lock: asyncio.Lock | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramBot:
        """The bot of TELEGRAM_TOKEN on TELEGRAM_API_BASE_URL."""
        return cls(settings.telegram_token, settings.telegram_api_base_url)

    @property
    def bot(self) -> Bot:
        """The ``telegram.Bot``, built now if needed (without calling the API)."""
        if self._bot is None:
            quiet_token_loggers()
            request = HTTPXRequest(connection_pool_size=self._pool_size, pool_timeout=10.0)
            self._bot = Bot(self._token.reveal(), base_url=self._base_url, request=request)
        return self._bot

    async def ready(self) -> Bot:
        """The bot, initialized (``getMe``) exactly once however many callers race for it."""
        bot = self.bot
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            try:
                await bot.initialize()
            except InvalidToken:
                # PTB's message quotes the token.
                raise TelegramSetupError("the Bot API rejected TELEGRAM_TOKEN") from None
        return bot

    async def close(self) -> None:
        """Release the HTTP connections (the bot can be used again later)."""
        if self._bot is not None:
            await self._bot.shutdown()

    def redact(self, text: str) -> str:
        """``text`` fit for a log: no token, personal data masked."""
        return mask_pii(text.replace(self._token.reveal(), "<TELEGRAM_TOKEN>"))

    def describe(self, error: BaseException) -> str:
        """An exception as one loggable line."""
        if isinstance(error, (TelegramError, TelegramSetupError)):
            return f"{type(error).__name__}: {self.redact(str(error))}"
        return type(error).__name__


def quiet_token_loggers() -> None:
    """Raise the chatty libraries' loggers to WARNING unless configured higher already."""
    for name in _CHATTY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
