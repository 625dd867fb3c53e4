"""A local stand-in of Telegram's Bot API: an aiohttp server on loopback that records every call.

It answers ``/bot<token>/<method>`` the way Telegram does (``{"ok": true, "result": …}``),
so python-telegram-bot, pointed at it through ``base_url``, runs unchanged. It runs on its
own thread and event loop, so sync tests (the CLI, the real stack) and async tests share it.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.conftest import free_port

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "客服助手", "username": "cs_assistant_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Call:
    """One request to the stand-in."""

    method: str
    params: dict[str, Any]
    token: str


@dataclass
class BotApiStandIn:
    """The stand-in; ``base_url`` is what to give PTB (and TELEGRAM_API_BASE_URL)."""

    token: str
    calls: list[Call] = field(default_factory=list)
    # method -> (error_code, description) for the next call of that method
    failures: dict[str, list[tuple[int, str, dict | None]]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_message_id: int = 1

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> BotApiStandIn:
        self.port = free_port()
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application(client_max_size=20 * 1024 * 1024)
            app.router.add_route("*", "/bot{token}/{method}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="bot-api-stand-in", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Bot API stand-in did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # --- what tests look at -------------------------------------------------------------

    def fail_next(self, method: str, error_code: int, description: str, parameters: dict | None = None) -> None:
        """Make the next call of ``method`` fail as Telegram would."""
        with self._lock:
            self.failures.setdefault(method, []).append((error_code, description, parameters))

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of sendMessage calls, to one chat or to all."""
        return [str(c.params.get("text")) for c in self.calls_of("sendMessage")
                if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)]

    def wait_for(self, predicate: Callable[[BotApiStandIn], Any], timeout: float = 10.0) -> Any:
        """Poll ``predicate(self)`` until it is truthy (blocking: use from sync code or a thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate(self)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"the Bot API stand-in did not see it in {timeout}s; calls: {self.calls}")

    async def wait_for_async(self, predicate: Callable[[BotApiStandIn], Any], timeout: float = 10.0) -> Any:
        """Same, from async code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate(self)
            if value:
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(f"the Bot API stand-in did not see it in {timeout}s; calls: {self.calls}")

    # --- the API -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params = await _params(request)
        with self._lock:
            self.calls.append(Call(method, params, token))
            failure = self.failures.get(method, []).pop(0) if self.failures.get(method) else None
        if token != self.token:
            return _error(401, "Unauthorized")
        if failure is not None:
            return _error(*failure)
        answer = self._answer(method, params)
        if answer is None:
            return _error(404, "Not Found")
        return web.json_response({"ok": True, "result": answer})

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "sendPhoto"):
            if "chat_id" not in params:
                return None
            with self._lock:
                message_id, self._next_message_id = self._next_message_id, self._next_message_id + 1
            message = {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                       "chat": {"id": int(params["chat_id"]), "type": "private"}}
            if method == "sendMessage":
                message["text"] = params.get("text", "")
                if params.get("reply_markup"):
                    message["reply_markup"] = params["reply_markup"]
            else:
                message["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}]
            return message
        if method == "answerCallbackQuery":
            return True
        if method == "setWebhook":
            self.webhook = dict(params)
            return True
        if method == "deleteWebhook":
            self.webhook = {}
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0,
                    "allowed_updates": self.webhook.get("allowed_updates") or None}
        return None


async def _params(request: web.Request) -> dict[str, Any]:
    """The call's parameters, decoded the way Telegram does: JSON bodies, or forms with JSON values."""
    if request.content_type == "application/json":
        body = await request.json()
        return body if isinstance(body, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            continue
        try:
            params[key] = json.loads(value) if value[:1] in "[{" else value
        except ValueError:
            params[key] = value
    return params


def _error(error_code: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=error_code)
