"""For the WeChat tests: a stand-in of WeChat's API on loopback, and pushes signed like WeChat's.

The stand-in speaks the two endpoints the channel uses (``/cgi-bin/token`` and
``/cgi-bin/message/custom/send``) with WeChat's error codes; it runs in its own thread, so
both async tests and a stack in another process can use it.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import socket
import threading
import time
import urllib.parse
from typing import Any

from aiohttp import web
from wechatpy.crypto import WeChatCrypto

APP_ID = "wx1234567890abcdef"
APP_SECRET = "app-secret-for-tests"
TOKEN = "token-for-tests"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, like an EncodingAESKey
ACCOUNT = "gh_0123456789ab"
OPENID = "oUser-openid-0123456789abcd"

# An entity bomb (a billion laughs) and an external entity: both must be refused unparsed.
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]><xml><Content>&i;</Content></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
)


class WeChatStandIn:
    """WeChat's token and customer-service message API, on a free loopback port."""

    def __init__(self, app_id: str = APP_ID, secret: str = APP_SECRET) -> None:
        self.app_id = app_id
        self.secret = secret
        self.token_requests = 0
        self.sent: list[dict[str, Any]] = []
        self.valid_tokens: set = set()
        self._rejections: list[int] = []
        self._counter = itertools.count(1)
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """What WECHAT_API_BASE_URL should be."""
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    def reject_next_send(self, errcode: int = 40001) -> None:
        """Answer the next customer-service send with ``errcode`` (e.g. 40001: token invalid)."""
        self._rejections.append(errcode)

    def texts(self) -> list[str]:
        """The contents of the text messages sent so far."""
        return [m["text"]["content"] for m in self.sent]

    def wait_for_sent(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until ``count`` messages were sent; return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.sent) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.sent)} of {count} messages reached the stand-in: {self.sent}")
                self._changed.wait(left)
            return list(self.sent)

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        query = request.query
        if query.get("grant_type") != "client_credential" or query.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = f"ACCESS-TOKEN-{next(self._counter)}"
        self.valid_tokens = {token}  # a new token replaces the old one
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        if self._rejections:
            code = self._rejections.pop(0)
            return web.json_response({"errcode": code, "errmsg": "access_token expired or invalid"})
        if request.query.get("access_token") not in self.valid_tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"errcode": 47001, "errmsg": "data format error"})
        if body.get("msgtype") != "text" or not body.get("touser") or not body.get("text", {}).get("content"):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        with self._changed:
            self.sent.append(body)
            self._changed.notify_all()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def start(self) -> WeChatStandIn:
        """Serve in a thread of its own."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.SockSite(self._runner, sock).start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="wechat-stand-in", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the WeChat stand-in did not start")
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


def signature(*parts: str) -> str:
    """WeChat's signature: SHA1 of the sorted parts."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed_query(token: str = TOKEN, timestamp: str | None = None, nonce: str = "nonce123", **extra: str) -> dict[str, str]:
    """The query string WeChat adds to every push."""
    timestamp = timestamp or str(int(time.time()))
    return {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def text_xml(content: str, msg_id: str = "1000001", openid: str = OPENID, msg_type: str = "text", **fields: str) -> str:
    """A push as WeChat sends it (plain mode)."""
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    body = f"<Content><![CDATA[{content}]]></Content>" if msg_type == "text" else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}{extra}"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, openid: str = OPENID, created: str = "1700000000", **fields: str) -> str:
    """An event push (no MsgId)."""
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"{extra}</xml>"
    )


def encrypted(xml: str, nonce: str = "nonce456", token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID):
    """A safe-mode push made with wechatpy's own crypto: (query, body)."""
    crypto = WeChatCrypto(token, aes_key, app_id)
    timestamp = str(int(time.time()))
    envelope = crypto.encrypt_message(xml, nonce, timestamp)
    from channels.wechat.pushes import parse_xml

    fields = parse_xml(envelope)
    query = signed_query(token, timestamp, nonce, encrypt_type="aes", msg_signature=fields["MsgSignature"])
    # WeChat's safe-mode body carries the account and the ciphertext only.
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"
    return query, body


def decrypt_reply(reply: str, query: dict[str, str], token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID) -> str:
    """Open an encrypted passive reply with wechatpy, checking its signature."""
    from channels.wechat.pushes import parse_xml

    fields = parse_xml(reply)
    crypto = WeChatCrypto(token, aes_key, app_id)
    return crypto.decrypt_message(reply, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])


def webhook_url(port: int, query: dict[str, str]) -> str:
    """The channel's webhook with ``query``."""
    return f"http://127.0.0.1:{port}/webhooks/wechat/webhook?{urllib.parse.urlencode(query)}"
