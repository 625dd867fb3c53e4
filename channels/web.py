"""The web chat: Rasa's socket.io protocol, behind the handoff gate, across server instances.

Existing Rasa web widgets work unchanged (``session_request``/``session_confirm``,
``user_uttered``, ``bot_uttered``). Differences from Rasa's own socket.io channel:

- every socket joins the room of its session id, and replies go to that room, so a reply
  reaches the user's socket whichever server instance holds it (rooms are shared through
  Redis by python-socketio's ``AsyncRedisManager``);
- messages go through the channels' pipeline (channels.pipeline): with an agent on the
  conversation the bot is silent; with Redis unreachable the user is told, from domain.yml
  (``utter_temporarily_unavailable``), on their socket only, as rooms need Redis;
- agent replies and hand-backs arrive through the ``socketio`` outbox stream.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from redis import RedisError
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.handoff.reach import Held, UserReach
from bot.service.identity import CLIENT_ADDRESS
from channels.delivery import agent_reply_handler, attach_deliverer
from channels.health import health_route
from channels.messages import clean_id, clean_metadata, clean_text, truncation_metadata
from channels.notices import tell_unavailable
from channels.pipeline import Unavailable
from channels.services import ChannelServices, current

logger = logging.getLogger(__name__)

CHANNEL = "socketio"
STATIC_DIR = Path(__file__).resolve().parent / "static"


class WebOutput(OutputChannel):
    """Sends bot messages to every socket in the user's session room."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, sio: AsyncServer, bot_message_evt: str = "bot_uttered") -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt

    async def _emit(self, room: str, message: dict[str, Any]) -> None:
        await self.sio.emit(self.bot_message_evt, message, room=room)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """One event per paragraph, as Rasa's socket.io channel does."""
        for part in text.strip().split("\n\n"):
            await self._emit(recipient_id, {"text": part})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        """Buttons become quick replies on the last paragraph."""
        parts = text.strip().split("\n\n") or [text]
        for part in parts[:-1]:
            await self._emit(recipient_id, {"text": part})
        quick = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._emit(recipient_id, {"text": parts[-1], "quick_replies": quick})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"attachment": {"type": "image", "payload": {"src": image}}})

    async def send_elements(self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any) -> None:
        for element in elements:
            await self._emit(recipient_id, {"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": element}}})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._emit(recipient_id, json_message)

    async def send_attachment(self, recipient_id: str, attachment: dict[str, Any], **kwargs: Any) -> None:
        await self._emit(recipient_id, {"attachment": attachment})

    async def send_agent_message(self, recipient_id: str, text: str, agent: str) -> None:
        """A person's reply, marked as such so the widget can show "connected to an agent"."""
        await self._emit(recipient_id, {"text": text, "metadata": {"from": "agent", "agent": agent}})


class SocketOutput(WebOutput):
    """Sends to one socket held by this server instance, without the Redis that shares rooms."""

    def __init__(self, sio: AsyncServer, sid: str, bot_message_evt: str = "bot_uttered") -> None:
        super().__init__(sio, bot_message_evt)
        self.sid = sid

    async def _emit(self, room: str, message: dict[str, Any]) -> None:
        await self.sio.emit(self.bot_message_evt, message, to=self.sid, ignore_queue=True)


class WebChatInput(InputChannel):
    """Rasa's socket.io protocol with the handoff gate, shared rooms and outbox delivery."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            current(),
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        services: ChannelServices,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        socketio_path: str = "/socket.io",
    ) -> None:
        self.services = services
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.socketio_path = socketio_path
        self.sio: AsyncServer | None = None

    def get_output_channel(self) -> OutputChannel | None:
        """Used by Rasa's HTTP API to send to this channel (e.g. trigger_intent)."""
        return WebOutput(self.sio, self.bot_message_evt) if self.sio else None

    def _server(self) -> AsyncServer:
        url = self.services.settings.redis_url
        if not url:
            raise RuntimeError("REDIS_URL is not set: the web channel shares its rooms through Redis")
        manager = AsyncRedisManager(url, channel="cs-socketio")
        return AsyncServer(async_mode="sanic", cors_allowed_origins="*", client_manager=manager)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Socket.io endpoint, the widget page at /webhooks/socketio/chat, and the deliverer."""
        sio = self._server()
        self.sio = sio
        output = WebOutput(sio, self.bot_message_evt)
        blueprint = _WebBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        blueprint.ctx.healthz = health_route(self.services.redis)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        pipeline = self.services.pipeline.serving(blueprint, on_new_message)

        reach = self.services.reach or UserReach(self.services.redis)

        @sio.on("connect")
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            await sio.save_session(sid, {"address": _address(environ)})
            return True

        @sio.on("session_request")
        async def session_request(sid: str, data: dict | None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = clean_id(data.get("session_id")) or uuid.uuid4().hex
            session = await sio.get_session(sid)
            await _maybe_await(sio.enter_room(sid, session_id))
            await sio.save_session(sid, {**session, "session_id": session_id})
            held = await arrived(session_id, session.get("session_id"))
            await sio.emit("session_confirm", session_id, room=sid)
            socket_output = SocketOutput(sio, sid, self.bot_message_evt)
            for item in held:
                if item.text:
                    await socket_output.send_text_message(session_id, item.text)
                if item.intent:
                    try:
                        await pipeline.to_bot(UserMessage(item.intent, output, session_id, input_channel=CHANNEL), trusted=True)
                    except Unavailable:  # Redis went away meanwhile: the pipeline has said so once
                        return

        async def arrived(session_id: str, previous: str | None) -> list[Held]:
            """Count the open chat (ticket news then arrives live) and take what waited for this visit."""
            if previous == session_id:
                return []
            try:
                if previous:
                    await asyncio.to_thread(reach.web_disconnected, previous)
                await asyncio.to_thread(reach.web_connected, session_id)
                return await asyncio.to_thread(reach.take_for_visit, session_id)
            except RedisError as error:  # the pipeline warns once per outage; this is the same outage
                logger.debug("web chat: could not read held ticket news (%s)", type(error).__name__)
                return []

        @sio.on("disconnect")
        async def disconnect(sid: str, *_args: Any) -> None:
            session = await sio.get_session(sid)
            if session.get("session_id"):
                try:
                    await asyncio.to_thread(reach.web_disconnected, session["session_id"])
                except RedisError as error:
                    logger.debug("web chat: could not record a closed chat (%s)", type(error).__name__)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session = await sio.get_session(sid)
            given = clean_id(data.get("session_id"))
            sender_id = given or session.get("session_id")
            text = clean_text(data.get("message"))
            if not sender_id or text is None:
                return
            if given and given != session.get("session_id"):
                await _maybe_await(sio.enter_room(sid, given))
            message_id = clean_id(data.get("message_id"))
            metadata = {
                **clean_metadata(data.get("metadata")),
                **truncation_metadata(data.get("message")),
                CLIENT_ADDRESS: session.get("address", ""),
            }
            try:
                await pipeline.handle(text, sender_id, CHANNEL, output, message_id, metadata)
            except Unavailable:
                await tell_unavailable(pipeline.agent(), SocketOutput(sio, sid, self.bot_message_evt), sender_id, text)

        def make_handler(app: Sanic):
            return agent_reply_handler(
                app, CHANNEL, output, lambda m: output.send_agent_message(m.conversation_id, m.text, m.agent),
                self.services.pipeline.choices,
            )

        attach_deliverer(blueprint, CHANNEL, make_handler, self.services.outbox)
        return blueprint


class _WebBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, plus routes at the server root: the chat page (/chat, /chat/<file>)
    and the server's health (/healthz, channels.health)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        super().register(app, options)
        app.add_route(chat_page, "/chat", methods=["GET"], name="chat_page")
        app.add_route(chat_file, "/chat/<name>", methods=["GET"], name="chat_file")
        healthz = getattr(self.ctx, "healthz", None)
        if healthz is not None:
            app.add_route(healthz, "/healthz", methods=["GET"], name="healthz")


async def chat_page(_: Request) -> HTTPResponse:
    """The web chat widget."""
    return await response.file(STATIC_DIR / "chat.html")


async def chat_file(_: Request, name: str) -> HTTPResponse:
    """The widget's script and style, and nothing else from the file system."""
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR or not path.is_file():
        return response.json({"error": "not found"}, status=404)
    return await response.file(path)


def _address(environ: dict) -> str:
    """The client's address from the socket's WSGI-style environ (Sanic's request when it is there)."""
    request = environ.get("sanic.request")
    forwarded = getattr(request, "remote_addr", "") if request is not None else ""
    return str(forwarded or environ.get("REMOTE_ADDR") or getattr(request, "ip", "") or "")


async def _maybe_await(result: Any) -> None:
    # python-socketio made enter_room a coroutine in 5.x; Rasa 3.6's channel forgets to await it.
    if asyncio.iscoroutine(result):
        await result

