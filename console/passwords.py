"""Password hashing with scrypt from the standard library: a random salt per password, params stored."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# Interactive-login strength (about 16 MiB and tens of milliseconds per hash).
DEFAULT_COST = 2 ** 14
_BLOCK_SIZE = 8
_PARALLELISM = 1
_KEY_LENGTH = 32
_SCHEME = "scrypt"


def hash_password(password: str, cost: int = DEFAULT_COST) -> str:
    """``scrypt$n$r$p$salt$hash``, salt and hash in URL-safe base64."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, cost, _BLOCK_SIZE, _PARALLELISM)
    return "$".join([_SCHEME, str(cost), str(_BLOCK_SIZE), str(_PARALLELISM), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for any malformed stored value."""
    try:
        scheme, cost, block_size, parallelism, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.urlsafe_b64decode(digest.encode())
        raw_salt = base64.urlsafe_b64decode(salt.encode())
        actual = _scrypt(password, raw_salt, int(cost), int(block_size), int(parallelism))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, cost: int, block_size: int, parallelism: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=cost, r=block_size, p=parallelism,
        maxmem=256 * cost * block_size, dklen=_KEY_LENGTH,
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()
