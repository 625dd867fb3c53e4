"""The WeChat official-account (公众号) channel, behind the handoff gate.

``GET /webhooks/wechat/webhook`` answers WeChat's server verification; ``POST`` receives
messages and events, plain or in safe mode (AES), each request signature-checked.

WeChat waits 5 seconds for an answer, then drops the request and retries. So the bot gets
``reply_seconds`` (4 by default, ``WECHAT_REPLY_SECONDS``): if it has answered by then, its
messages go back in the response as one passive text reply; if not, the response is
``success`` at once and the reply follows through the ``wechat`` outbox stream and the
customer-service message API, like agents' replies. Each message runs the bot once: the gate
of channels.pipeline remembers ``MsgId`` (events: sender and time), so a retry answers ``success``.

Conversation ids are ``wx-<openid>``. Bad input gets a 4xx or ``success``, an unreachable Redis
503 (WeChat retries), never a 500.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import redis
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff.outbox import OutboxMessage
from bot.settings import Settings
from channels.choices import OfferedChoices
from channels.delivery import agent_reply_handler, attach_deliverer
from channels.messages import TRUNCATED
from channels.pipeline import Pipeline, Unavailable
from channels.services import ChannelServices, current
from channels.wechat.api import SharedTokenClient, build_client
from channels.wechat.pushes import MAX_XML_BYTES, BadXml, Inbound, read_message
from channels.wechat.replies import (
    Rendered,
    fits_one_message,
    render_messages,
    split_text,
    text_reply_xml,
)
from channels.wechat.security import SafeModeError, SignatureError, WeChatSecurity

logger = logging.getLogger(__name__)

CHANNEL = "wechat"
CONVERSATION_PREFIX = "wx-"
SUCCESS = "success"
QUERY_PARAMS = ("signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature", "openid")
# WeChat posts text/xml; a body that says it is JSON or a form is not from WeChat.
ACCEPTED_TYPES = frozenset({"", "text/xml", "application/xml", "text/plain"})


def conversation_id(openid: str) -> str:
    """The Rasa conversation of one WeChat user."""
    return f"{CONVERSATION_PREFIX}{openid}"


def openid_of(conversation: str) -> str:
    """The openid inside a WeChat conversation id; ValueError for another channel's id."""
    if not conversation.startswith(CONVERSATION_PREFIX) or len(conversation) == len(CONVERSATION_PREFIX):
        raise ValueError("not a WeChat conversation id")
    return conversation[len(CONVERSATION_PREFIX):]


class WeChatOutput(OutputChannel):
    """Sends to a WeChat user through the customer-service message API (48 h after their last message)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, client: Callable[[], SharedTokenClient], choices: Callable[[], OfferedChoices]) -> None:
        self._client = client
        self._choices = choices

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """One bot message: text, buttons as numbered options, links for images."""
        await self.send_rendered(recipient_id, render_messages([message]))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: Any, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_rendered(self, recipient_id: str, rendered: Rendered) -> None:
        """Remember the options it offers, then send it (in pieces if it is long)."""
        openid_of(recipient_id)  # refuses another channel's conversation before anything is kept
        await asyncio.to_thread(self._choices().remember, recipient_id, rendered.choices)
        await self.send_plain(recipient_id, rendered.text)

    async def send_plain(self, recipient_id: str, text: str) -> None:
        """Send ``text`` as it is, as few messages as WeChat's size limit allows."""
        openid = openid_of(recipient_id)
        client = self._client()
        for piece in split_text(text):
            await asyncio.to_thread(client.message.send_text, openid, piece)


class WeChatInput(InputChannel):
    """The official account's webhook, with passive replies within the window and the API after it."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Secrets from credentials.yml; the optional AES key, API address and window from the settings."""
        if not credentials:
            cls.raise_missing_credentials_exception()
            raise AssertionError("unreachable")  # Rasa's helper raises; this tells the type checker
        services = current()
        settings = services.settings
        return cls(
            app_id=str(credentials.get("app_id") or ""),
            app_secret=str(credentials.get("app_secret") or ""),
            token=str(credentials.get("token") or ""),
            services=services,
            aes_key=settings.wechat_aes_key.reveal(),
            api_base_url=settings.wechat_api_base_url,
            reply_seconds=settings.wechat_reply_seconds,
        )

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        token: str,
        services: ChannelServices,
        aes_key: str = "",
        api_base_url: str = Settings.wechat_api_base_url,
        reply_seconds: float = Settings.wechat_reply_seconds,
    ) -> None:
        if not app_id or not app_secret:
            raise ValueError("the WeChat channel needs WECHAT_APP_ID and WECHAT_APP_SECRET")
        self.app_id = app_id
        self.security = WeChatSecurity(token, app_id, aes_key)
        self.api_base_url = api_base_url
        self.reply_seconds = reply_seconds
        self._app_secret = app_secret
        self.services = services
        self._client: SharedTokenClient | None = None
        self._background: set[asyncio.Future[Any]] = set()

    def client(self) -> SharedTokenClient:
        """wechatpy's API client, built on first use."""
        if self._client is None:
            self._client = build_client(self.app_id, self._app_secret, self.services.redis, self.api_base_url)
        return self._client

    def choices(self) -> OfferedChoices:
        """The options last offered in each conversation (shared with the other channels' pipeline)."""
        return self.services.pipeline.choices or OfferedChoices(self.services.redis)

    def output(self) -> WeChatOutput:
        """Sends through the customer-service message API."""
        return WeChatOutput(self.client, self.choices)

    def get_output_channel(self) -> OutputChannel | None:
        """Used by Rasa's HTTP API to message a user (e.g. trigger_intent)."""
        return self.output()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The webhook (GET verification, POST messages), a health route and the outbox deliverer."""
        blueprint = Blueprint("wechat_webhook", __name__)
        pipeline = self.services.pipeline.serving(blueprint, on_new_message)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                echo = self.security.echo(_params(request))
            except SignatureError:
                return response.text("forbidden", status=403)
            return response.text(echo)

        @blueprint.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            params = _params(request)
            try:
                self.security.verify(params)
            except SignatureError:
                return response.text("forbidden", status=403)
            if _media_type(request) not in ACCEPTED_TYPES:
                return response.text("the body must be WeChat's XML", status=415)
            body = await _read_body(request, MAX_XML_BYTES)
            if body is None:
                return response.text("body too large", status=413)
            try:
                fields = self.security.read(params, body)
            except SignatureError:
                return response.text("forbidden", status=403)
            except (BadXml, SafeModeError) as error:
                logger.info("wechat: refused a push: %s", error)
                return response.text("bad request", status=400)
            inbound = read_message(fields)
            if inbound is None:
                return response.text(SUCCESS)
            try:
                return await self._answer(inbound, params, pipeline)
            except Unavailable:
                return response.text("service unavailable", status=503)  # WeChat retries

        def make_handler(app: Sanic):
            output = self.output()
            return agent_reply_handler(app, CHANNEL, output, lambda m: output.send_plain(m.conversation_id, m.text))

        attach_deliverer(blueprint, CHANNEL, make_handler, self.services.outbox)
        return blueprint

    async def _answer(self, inbound: Inbound, params: Mapping[str, str], pipeline: Pipeline) -> HTTPResponse:
        """Gate the message, run the bot, and reply passively if it is quick enough; Unavailable without Redis."""
        conversation = conversation_id(inbound.openid)
        decision = await pipeline.admit(CHANNEL, conversation, inbound.note, inbound.message_id)
        if not decision.to_bot:  # a retry, or a person has the conversation
            return response.text(SUCCESS)
        text = inbound.text
        # A greeting or a "not text" note is the channel's; typed words (and option numbers,
        # which the pipeline reads against the options offered) are not.
        trusted = inbound.kind != "text"
        collector = CollectingOutputChannel()
        metadata = {TRUNCATED: True} if inbound.truncated else None
        message = UserMessage(
            text, collector, conversation, input_channel=CHANNEL, message_id=inbound.message_id, metadata=metadata
        )
        job = self._keep(pipeline.to_bot(message, trusted))
        settled = False  # True once this request has dealt with the bot's reply
        try:
            done, _ = await asyncio.wait({job}, timeout=self.reply_seconds)
            if job not in done:
                return response.text(SUCCESS)
            if job.cancelled() or job.exception() is not None:
                settled = True
                _log_failure(job)
                return response.text(SUCCESS)
            rendered = render_messages(collector.messages)
            if not rendered.text:
                settled = True
                return response.text(SUCCESS)
            if not fits_one_message(rendered.text):
                return response.text(SUCCESS)  # too long for one message: it goes by the API, in pieces
            settled = True
            reply = self.security.seal(params, text_reply_xml(inbound.openid, inbound.account, rendered.text))
            return response.text(reply, content_type="application/xml; charset=utf-8")
        finally:
            # Also when this request is cancelled (WeChat hung up): the reply must still arrive.
            if not settled:
                self._keep(self._reply_later(job, collector, conversation))

    async def _reply_later(
        self, job: asyncio.Future[Any], collector: CollectingOutputChannel, conversation: str
    ) -> None:
        """Once the bot is done, queue its reply for the customer-service API (retried by the outbox)."""
        try:
            await job
        except asyncio.CancelledError:
            if not job.cancelled():  # this task itself is being cancelled (server stop)
                raise
            _log_failure(job)
            return
        except Exception:  # noqa: BLE001 - the bot's failure is logged by type; the request is done
            _log_failure(job)
            return
        rendered = render_messages(collector.messages)
        if not rendered.text:
            return
        try:
            late = OutboxMessage(channel=CHANNEL, conversation_id=conversation, text=rendered.text)
            await asyncio.to_thread(self.services.outbox.publish, late)
        except redis.RedisError as error:
            logger.error("wechat: a late reply was lost: Redis unavailable (%s)", type(error).__name__)

    def _keep(self, awaitable: Awaitable[Any]) -> asyncio.Future[Any]:
        """Run ``awaitable`` as a task that is not garbage-collected before it ends."""
        task = asyncio.ensure_future(awaitable)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task


def _log_failure(job: asyncio.Future[Any]) -> None:
    # The type only: an exception's text may quote the user's message.
    error = None if job.cancelled() else job.exception()
    if isinstance(error, Unavailable):
        return  # the pipeline has logged it
    logger.error("wechat: the bot failed on a message (%s)", type(error).__name__ if error else "cancelled")


def _params(request: Request) -> dict[str, str]:
    return {name: request.args.get(name) for name in QUERY_PARAMS if isinstance(request.args.get(name), str)}


def _media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is over ``limit`` bytes (never buffered whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    if request.stream is None:
        return request.body if len(request.body) <= limit else None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
