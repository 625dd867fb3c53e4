"""Rasa's REST channel (``POST /webhooks/rest/webhook`` ``{"sender", "message"}``) behind the handoff gate.

REST is request/response, so what an agent writes (and the bot's words on hand-back) waits
in a per-conversation inbox in Redis and comes back with the user's next request, before the
bot's own replies. Bad input answers 400 with a JSON error, an unreachable Redis 503, never a 500.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import redis
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.outbox import OutboxMessage
from bot.service.identity import CLIENT_ADDRESS
from channels.delivery import attach_deliverer
from channels.handback import hand_back, return_visit
from channels.messages import clean_id, clean_metadata, clean_text, truncation_metadata
from channels.pipeline import Unavailable, in_thread
from channels.services import ChannelServices, current

logger = logging.getLogger(__name__)

CHANNEL = "rest"
INBOX_TTL_SECONDS = 7 * 24 * 3600


def inbox_key(conversation_id: str) -> str:
    """Messages waiting for a REST user."""
    return f"cs:rest:inbox:{conversation_id}"


def drain_inbox(client: redis.Redis, conversation_id: str) -> list[dict[str, Any]]:
    """Take every waiting message for the user, oldest first."""
    pipe = client.pipeline()
    pipe.lrange(inbox_key(conversation_id), 0, -1)
    pipe.delete(inbox_key(conversation_id))
    items, _ = pipe.execute()
    return [json.loads(item) for item in items]


def put_in_inbox(client: redis.Redis, conversation_id: str, messages: list[dict[str, Any]]) -> None:
    """Keep messages for the user's next request."""
    if not messages:
        return
    pipe = client.pipeline()
    for message in messages:
        pipe.rpush(inbox_key(conversation_id), json.dumps(message, ensure_ascii=False))
    pipe.expire(inbox_key(conversation_id), INBOX_TTL_SECONDS)
    pipe.execute()


class BadRequest(ValueError):
    """The request cannot be used; the message says why, for the caller."""


@dataclass(frozen=True)
class RestMessage:
    """What a REST request asks the bot."""

    sender: str
    text: str
    message_id: str | None = None
    metadata: dict[str, Any] | None = None


def parse_request(body: bytes) -> RestMessage:
    """``{"sender", "message", "message_id"?, "metadata"?}`` from a request body; BadRequest otherwise.

    A message over MAX_MESSAGE_CHARS is cut, and its metadata says so (``truncated``).
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest('the body must be JSON: {"sender": "…", "message": "…"}') from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    sender = clean_id(data.get("sender"))
    if sender is None:
        raise BadRequest("'sender' must be a non-empty string of at most 200 printable characters")
    text = clean_text(data.get("message"))
    if text is None:
        raise BadRequest("'message' must be a non-empty string")
    message_id = clean_id(data.get("message_id"))
    if message_id is None and data.get("message_id") is not None:
        raise BadRequest("'message_id', when given, must be a string of at most 200 printable characters")
    metadata = {**clean_metadata(data.get("metadata")), **truncation_metadata(data.get("message"))}
    return RestMessage(sender, text, message_id, metadata or None)


def client_address(request: Request) -> str:
    """The caller's address: Sanic's view of the forwarded client when a proxy says so, else the peer."""
    return str(request.remote_addr or request.ip or "")


def _error(message: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class GatedRestInput(InputChannel):
    """Rasa's REST webhook with the handoff gate and an inbox for agent replies."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """No credentials: the process's services (channels.services)."""
        return cls(current())

    def __init__(self, services: ChannelServices) -> None:
        self.services = services

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """``GET /webhooks/rest/`` (health) and ``POST /webhooks/rest/webhook``."""
        blueprint = Blueprint("gated_rest_webhook", __name__)
        pipeline = self.services.pipeline.serving(blueprint, on_new_message)
        redis_client = self.services.redis

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                incoming = parse_request(request.body or b"")
            except BadRequest as error:
                return _error(str(error))
            collector = CollectingOutputChannel()
            try:
                decision = await pipeline.admit(CHANNEL, incoming.sender, incoming.text, incoming.message_id)
                # Taken before the bot's turn: what agents wrote since the last request comes first.
                waiting = await in_thread(CHANNEL, drain_inbox, redis_client, incoming.sender)
                if decision.to_bot:
                    metadata = {**(incoming.metadata or {}), CLIENT_ADDRESS: client_address(request)}
                    await pipeline.to_bot(UserMessage(
                        incoming.text, collector, incoming.sender, input_channel=CHANNEL,
                        message_id=incoming.message_id, metadata=metadata,
                    ))
            except Unavailable:
                return _error("temporarily unavailable, try again", 503)
            return response.json(waiting + collector.messages)

        def make_handler(app: Sanic):
            async def deliver(message: OutboxMessage) -> None:
                if message.kind == "text":
                    note = {"recipient_id": message.conversation_id, "text": message.text, "metadata": {"from": "agent", "agent": message.agent}}
                    await asyncio.to_thread(put_in_inbox, redis_client, message.conversation_id, [note])
                    return
                collector = CollectingOutputChannel()
                bot_turn = return_visit if message.kind == "return_visit" else hand_back
                await bot_turn(app.ctx.agent, message, collector, CHANNEL, self.services.pipeline.choices)
                await asyncio.to_thread(put_in_inbox, redis_client, message.conversation_id, collector.messages)
            return deliver

        attach_deliverer(blueprint, CHANNEL, make_handler, self.services.outbox)
        return blueprint
