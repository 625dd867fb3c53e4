"""Telegram behind the handoff gate: ``POST /webhooks/telegram/webhook``, replies through the Bot API.

- Every request must carry the secret given to Telegram with the webhook
  (``X-Telegram-Bot-Api-Secret-Token``); without it, or with another, the answer is 403.
- Updates are parsed with python-telegram-bot's types (channels.telegram.updates); a
  repeated ``update_id`` is handled once (the gate of channels.pipeline remembers it in Redis).
- The webhook answers once the gate has decided; the bot's turn runs in the background
  (channels.telegram.tasks) and its replies go out with ``sendMessage`` (channels.telegram.output).
- Agent replies and hand-backs arrive through the ``telegram`` outbox stream.
- Bad input answers 4xx with a JSON error, an unreachable Redis 503 (Telegram sends the
  update again later), never a 500.

The webhook is registered with Telegram by a command, never while serving::

    python -m channels.telegram set-webhook --url https://example.com/webhooks/telegram/webhook
    python -m channels.telegram delete-webhook
    python -m channels.telegram webhook-info
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.gate import GateDecision
from bot.settings import Secret
from channels.delivery import agent_reply_handler, attach_deliverer
from channels.messages import TRUNCATED
from channels.pipeline import Pipeline, Unavailable, in_thread
from channels.services import ChannelServices, current
from channels.telegram.buttons import payload_of
from channels.telegram.client import TelegramBot, TelegramSetupError
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


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


class TelegramInput(InputChannel):
    """Telegram's webhook, the handoff gate, background turns and outbox delivery."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """``token`` and ``secret_token`` from credentials.yml; the API address from the settings."""
        credentials = credentials or {}
        services = current()
        return cls(
            token=Secret(str(credentials.get("token") or "")),
            secret_token=Secret(str(credentials.get("secret_token") or "")),
            services=services,
            api_base_url=services.settings.telegram_api_base_url,
        )

    def __init__(
        self,
        token: Secret,
        secret_token: Secret,
        services: ChannelServices,
        api_base_url: str = "https://api.telegram.org/bot",
    ) -> None:
        if not secret_token:
            # Without it anyone could post forged updates to the webhook.
            raise TelegramSetupError("TELEGRAM_SECRET_TOKEN is not set")
        self.telegram = TelegramBot(token, api_base_url)
        self._secret_token = secret_token
        self.services = services
        self.tasks = OrderedTasks(self.telegram.describe)

    def get_output_channel(self) -> OutputChannel | None:
        """Used by Rasa's HTTP API to send to this channel (e.g. trigger_intent)."""
        return TelegramOutput(self.telegram, self.services.redis)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /webhooks/telegram/`` (health), ``POST /webhooks/telegram/webhook``, the deliverer."""
        blueprint = Blueprint("telegram_webhook", __name__)
        output = TelegramOutput(self.telegram, self.services.redis)
        pipeline = self.services.pipeline.serving(blueprint, on_new_message)

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
                text, decision = await self._admit(pipeline, incoming)
            except Unavailable:
                return _error("temporarily unavailable, try again", 503)  # Telegram sends it again later
            if decision is not None and decision.duplicate:
                return _ok()
            self.tasks.submit(
                incoming.conversation_id,
                lambda: self._turn(incoming, text, decision, output, pipeline),
                label=f"update {incoming.update_id}",
            )
            return _ok()

        @blueprint.listener("before_server_stop")
        async def finish(_app: Sanic, _loop: asyncio.AbstractEventLoop | None = None) -> None:
            await self.tasks.drain(DRAIN_SECONDS)
            await self.telegram.close()

        def make_handler(app: Sanic):
            return agent_reply_handler(
                app, CHANNEL, output, lambda m: output.send_agent_message(m.conversation_id, m.text, m.agent),
                self.services.pipeline.choices,
            )

        attach_deliverer(blueprint, CHANNEL, make_handler, self.services.outbox)
        return blueprint

    async def _admit(self, pipeline: Pipeline, incoming: Incoming) -> tuple[str | None, GateDecision | None]:
        """The user's text (a button's payload looked up) and the gate's decision; Unavailable without Redis."""
        text = incoming.text
        if incoming.kind == "button":
            payload = await in_thread(CHANNEL, payload_of, incoming.text, self.services.redis)
            if payload is None:  # an expired long payload: nothing to say, just answer the button
                return None, None
            text = payload
        decision = await pipeline.admit(CHANNEL, incoming.conversation_id, text, str(incoming.update_id))
        return text, decision

    async def _turn(
        self,
        incoming: Incoming,
        text: str | None,
        decision: GateDecision | None,
        output: TelegramOutput,
        pipeline: Pipeline,
    ) -> None:
        if incoming.callback_query_id:
            await output.answer_button(incoming.callback_query_id)
        if text is None or decision is None or not decision.to_bot:
            return  # with an agent: the gate put it in the handoff transcript
        logger.debug("telegram: update %s (%s) to the bot", incoming.update_id, incoming.kind)
        message = UserMessage(
            text,
            output,
            incoming.conversation_id,
            input_channel=CHANNEL,
            message_id=str(incoming.update_id),
            metadata={"language_code": incoming.language_code, **({TRUNCATED: True} if incoming.truncated else {})},
        )
        try:
            # Already words: updates.user_text turned typed slashes into words and /start into
            # the greeting; a button's payload was looked up; "not text" notes are the channel's.
            await pipeline.to_bot(message, trusted=True)
        except Unavailable:
            return  # logged by the pipeline; the update was acknowledged, so this turn is lost

