"""Telegram behind the handoff gate: ``POST /webhooks/telegram/webhook``, replies through the Bot API.

- Every request must carry the secret given to Telegram with the webhook
  (``X-Telegram-Bot-Api-Secret-Token``); without it, or with another, the answer is 403.
- Updates are parsed with python-telegram-bot's types (channels.telegram.updates); a
  repeated ``update_id`` is handled once (the gate remembers it in Redis).
- The webhook answers at once; the bot's turn runs in the background (channels.telegram.tasks)
  and its replies go out with ``sendMessage`` (channels.telegram.output).
- Agent replies and hand-backs arrive through the ``telegram`` outbox stream.
- Bad input answers 4xx with a JSON error, never a 500.

The webhook is registered with Telegram by a command, never while serving::

    python -m channels.telegram set-webhook --url https://example.com/webhooks/telegram/webhook
    python -m channels.telegram delete-webhook
    python -m channels.telegram webhook-info
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import redis
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.gate import GateDecision, HandoffGate
from bot.handoff.outbox import Outbox
from bot.settings import Secret, Settings
from channels import resilience, runtime
from channels.delivery import agent_reply_handler, attach_deliverer
from channels.messages import TRUNCATED
from channels.telegram.client import TelegramBot, TelegramSetupError
from channels.telegram.buttons import payload_of
from channels.telegram.output import CHANNEL, TelegramOutput
from channels.telegram.tasks import OrderedTasks
from channels.telegram.updates import Incoming, UnusableUpdate, parse_update, secret_matches

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; anything much bigger is not from Telegram.
MAX_BODY_BYTES = 1_000_000
DRAIN_SECONDS = 10.0


def _error(message: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def _ok() -> HTTPResponse:
    return response.json({"ok": True})


def _is_json(content_type: Optional[str]) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


class TelegramInput(InputChannel):
    """Telegram's webhook, the handoff gate, background turns and outbox delivery."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """``token`` and ``secret_token`` from credentials.yml; the API address from the settings."""
        credentials = credentials or {}
        return cls(
            token=Secret(str(credentials.get("token") or "")),
            secret_token=Secret(str(credentials.get("secret_token") or "")),
            api_base_url=Settings.from_env().telegram_api_base_url,
        )

    def __init__(
        self,
        token: Secret,
        secret_token: Secret,
        api_base_url: str = "https://api.telegram.org/bot",
        redis_client: Callable[[], redis.Redis] = runtime.redis_client,
    ) -> None:
        if not secret_token:
            # Without it anyone could post forged updates to the webhook.
            raise TelegramSetupError("TELEGRAM_SECRET_TOKEN is not set")
        self.telegram = TelegramBot(token, api_base_url)
        self._secret_token = secret_token
        self._redis = redis_client
        self.tasks = OrderedTasks(self.telegram.describe)

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Used by Rasa's HTTP API to send to this channel (e.g. trigger_intent)."""
        return TelegramOutput(self.telegram, self._redis)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /webhooks/telegram/`` (health), ``POST /webhooks/telegram/webhook``, the deliverer."""
        blueprint = Blueprint("telegram_webhook", __name__)
        output = TelegramOutput(self.telegram, self._redis)
        on_new_message = resilience.guarded(on_new_message, blueprint)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not secret_matches(request.headers.get(SECRET_HEADER), self._secret_token.reveal()):
                return _error("forbidden", 403)
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return _error("the body is too large for a Telegram update", 413)
            if not _is_json(request.headers.get("content-type")):
                return _error("the body must be application/json")
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError, RecursionError):
                return _error("the body must be a JSON Telegram update")
            try:
                incoming = parse_update(data, self.telegram.bot)
            except UnusableUpdate as error:
                return _error(str(error))
            if incoming is None:
                return _ok()
            try:
                text, decision = await asyncio.to_thread(self._route, incoming)
            except (redis.RedisError, OSError) as error:
                # Not handled: Telegram delivers the update again later.
                logger.warning("telegram: update %s not handled, Redis unavailable (%s)",
                               incoming.update_id, type(error).__name__)
                return _error("temporarily unavailable, try again", 503)
            if decision is not None and decision.duplicate:
                return _ok()
            self.tasks.submit(
                incoming.conversation_id,
                lambda: self._turn(incoming, text, decision, output, on_new_message),
                label=f"update {incoming.update_id}",
            )
            return _ok()

        @blueprint.listener("before_server_stop")
        async def finish(_app: Sanic, _loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
            await self.tasks.drain(DRAIN_SECONDS)
            await self.telegram.close()

        def make_handler(app: Sanic):
            return agent_reply_handler(
                app, CHANNEL, output, lambda m: output.send_agent_message(m.conversation_id, m.text, m.agent)
            )

        attach_deliverer(blueprint, CHANNEL, make_handler, lambda: Outbox(self._redis()))
        return blueprint

    def _route(self, incoming: Incoming) -> "tuple[Optional[str], Optional[GateDecision]]":
        """The user's text (a button's payload looked up) and where it goes; runs in a thread."""
        client = self._redis()
        text: Optional[str] = incoming.text
        if incoming.kind == "button":
            text = payload_of(incoming.text, client)
            if text is None:  # an expired long payload: nothing to say, just answer the button
                return None, None
        decision = HandoffGate(client).route(CHANNEL, incoming.conversation_id, text, str(incoming.update_id))
        return text, decision

    async def _turn(
        self,
        incoming: Incoming,
        text: Optional[str],
        decision: Optional[GateDecision],
        output: TelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        if incoming.callback_query_id:
            await output.answer_button(incoming.callback_query_id)
        if text is None or decision is None or not decision.to_bot:
            return  # with an agent: the gate put it in the handoff transcript
        logger.debug("telegram: update %s (%s) to the bot", incoming.update_id, incoming.kind)
        await on_new_message(
            UserMessage(
                text,
                output,
                incoming.conversation_id,
                input_channel=CHANNEL,
                message_id=str(incoming.update_id),
                metadata={"language_code": incoming.language_code, **({TRUNCATED: True} if incoming.truncated else {})},
            )
        )

