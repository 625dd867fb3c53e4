"""Who may talk to the WeChat webhook, and the envelope of safe mode (AES), with wechatpy's own code.

Every request carries ``signature`` = SHA1 of the sorted token, timestamp and nonce. In safe
mode (``encrypt_type=aes``) the body is ``<Encrypt>`` with its own ``msg_signature``, and the
passive reply goes back encrypted the same way. Pure functions of the request, no I/O.
"""
from __future__ import annotations

import binascii
import time
from collections.abc import Mapping

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from channels.wechat.pushes import parse_xml


class SignatureError(Exception):
    """The request is not signed with our token (answer 403)."""


class SafeModeError(Exception):
    """The encrypted body cannot be opened (answer 400)."""


def _param(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    return value if isinstance(value, str) else ""


class WeChatSecurity:
    """Checks signatures and opens and seals safe-mode messages for one official account."""

    def __init__(self, token: str, app_id: str, aes_key: str = "") -> None:
        if not token:
            raise ValueError("the WeChat token (WECHAT_TOKEN) is empty")
        self.token = token
        self.app_id = app_id
        self.crypto: WeChatCrypto | None = None
        if aes_key:
            try:
                self.crypto = WeChatCrypto(token, aes_key, app_id)
            except (AssertionError, binascii.Error, ValueError):
                raise ValueError("WECHAT_AES_KEY must be the account's 43-character EncodingAESKey") from None

    def verify(self, params: Mapping[str, str]) -> None:
        """Raise SignatureError unless ``signature`` matches our token, ``timestamp`` and ``nonce``."""
        signature, timestamp, nonce = (_param(params, n) for n in ("signature", "timestamp", "nonce"))
        if not (signature and timestamp and nonce):
            raise SignatureError("signature, timestamp and nonce are required")
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise SignatureError("wrong signature") from None

    def echo(self, params: Mapping[str, str]) -> str:
        """The ``echostr`` to answer WeChat's server verification with, once the signature is right."""
        self.verify(params)
        return _param(params, "echostr")

    @staticmethod
    def is_encrypted(params: Mapping[str, str]) -> bool:
        """True for safe mode (and compatible mode, which also sets ``encrypt_type=aes``)."""
        return _param(params, "encrypt_type").lower() == "aes"

    def open(self, params: Mapping[str, str], fields: Mapping[str, str]) -> str:
        """The decrypted inner XML of a safe-mode push; ``msg_signature`` must match (else SignatureError)."""
        if self.crypto is None:
            raise SafeModeError("the account sends encrypted messages but WECHAT_AES_KEY is not set")
        encrypted = fields.get("Encrypt", "")
        if not encrypted:
            raise SafeModeError("safe-mode message without <Encrypt>")
        try:
            return self.crypto.decrypt_message(
                {"Encrypt": encrypted},
                _param(params, "msg_signature"),
                _param(params, "timestamp"),
                _param(params, "nonce"),
            )
        except InvalidSignatureException:
            raise SignatureError("wrong msg_signature") from None
        except Exception as error:  # noqa: BLE001 - wrong key, bad base64 or padding, another app id: all mean "cannot open"
            raise SafeModeError(f"cannot decrypt ({type(error).__name__})") from None

    def read(self, params: Mapping[str, str], body: bytes) -> dict:
        """The push's fields: parsed, and decrypted in safe mode. Raises BadXml, SignatureError, SafeModeError."""
        fields = parse_xml(body)
        if not self.is_encrypted(params):
            return fields
        return parse_xml(self.open(params, fields))

    def seal(self, params: Mapping[str, str], reply_xml: str) -> str:
        """The reply as WeChat expects it: encrypted in safe mode, as it is otherwise."""
        if not self.is_encrypted(params) or self.crypto is None:
            return reply_xml
        nonce = _param(params, "nonce") or "nonce"
        return self.crypto.encrypt_message(reply_xml, nonce, str(int(time.time())))

