"""wechatpy's API client with one access token for every instance, kept in Redis.

Differences from a plain ``wechatpy.WeChatClient``:

- the token lives in Redis (``RedisStorage``, prefix ``cs:wechat``) and is fetched under a Redis
  lock, so instances share it instead of invalidating each other's;
- the token comes from ``<api base>/token`` (wechatpy hard-codes api.weixin.qq.com there), so
  tests and proxies can point the whole client elsewhere;
- a token WeChat rejects (40001, 40014, 42001) is renewed once and the call retried once;
  wechatpy's own retry (``auto_retry``) is switched off because it retries without a bound;
- network errors never carry the request URL (it holds the secret or the token) into logs.
"""
from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

import redis
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

logger = logging.getLogger(__name__)

SESSION_PREFIX = "cs:wechat"
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Renew a little before WeChat's expiry, so no call goes out with a token about to lapse.
TOKEN_MARGIN_SECONDS = 300


class WeChatUnavailable(WeChatClientException):
    """The WeChat API could not be reached or answered nonsense."""

    def __init__(self, reason: str) -> None:
        super().__init__(None, reason)


class SharedTokenClient(WeChatClient):
    """A ``WeChatClient`` whose access token is shared through Redis and renewed once on rejection."""

    def __init__(
        self, app_id: str, secret: str, client: redis.Redis, api_base_url: str, timeout: float = 10.0
    ) -> None:
        session = RedisStorage(client, prefix=SESSION_PREFIX)
        super().__init__(app_id, secret, session=session, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self._redis = client

    @property
    def access_token(self) -> str:
        """The shared token, fetched only when Redis has none (its TTL ends before WeChat's)."""
        token = self.session.get(self.access_token_key)
        return token if token else self.renew_access_token()

    def renew_access_token(self, rejected: str | None = None) -> str:
        """A fresh token: one instance fetches, the others wait and take it from Redis."""
        lock = self._redis.lock(f"{SESSION_PREFIX}:{self.appid}_token_lock", timeout=30, blocking_timeout=self.timeout or 10)
        locked = lock.acquire()
        try:
            current = self.session.get(self.access_token_key)
            if current and current != rejected:
                return current  # another instance renewed it meanwhile
            self.fetch_access_token()
            return self.session.get(self.access_token_key)
        finally:
            if locked:
                with contextlib.suppress(redis.exceptions.LockError):
                    lock.release()

    def fetch_access_token(self) -> dict[str, Any]:
        """Ask ``<api base>/token`` for a token and store it for everyone."""
        logger.info("fetching a WeChat access token")
        try:
            response = self._http.get(
                f"{self.API_BASE_URL}token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
                timeout=self.timeout,
            )
            response.raise_for_status()
            result = response.json()
        except (requests.RequestException, ValueError) as error:
            raise WeChatUnavailable(f"token request failed ({type(error).__name__})") from None
        if not isinstance(result, dict) or result.get("errcode") not in (None, 0) or not result.get("access_token"):
            errcode = result.get("errcode") if isinstance(result, dict) else None
            errmsg = result.get("errmsg", "no access_token") if isinstance(result, dict) else "not JSON"
            raise WeChatClientException(errcode, errmsg)
        expires_in = int(result.get("expires_in") or 7200)
        ttl = max(expires_in - TOKEN_MARGIN_SECONDS, 60)
        self.session.set(self.access_token_key, result["access_token"], ttl)
        return result

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        params = dict(kwargs.pop("params", None) or {})
        if "access_token" in params:  # the caller chose the token: no renewal
            return self._send(method, url_or_endpoint, params, kwargs)
        token = self.access_token
        try:
            return self._send(method, url_or_endpoint, {**params, "access_token": token}, kwargs)
        except WeChatClientException as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
            logger.info("WeChat rejected the access token (errcode %s); renewing it and retrying once", error.errcode)
        token = self.renew_access_token(rejected=token)
        return self._send(method, url_or_endpoint, {**params, "access_token": token}, kwargs)

    def _send(self, method: str, url_or_endpoint: str, params: dict[str, Any], kwargs: dict[str, Any]) -> Any:
        try:
            return super()._request(method, url_or_endpoint, params=params, **kwargs)
        except requests.RequestException as error:
            raise WeChatUnavailable(f"request failed ({type(error).__name__})") from None
        except WeChatClientException as error:
            if error.errcode is None:  # an HTTP error status; its chained cause names the URL with the token
                status = getattr(error.response, "status_code", "?")
                raise WeChatUnavailable(f"HTTP status {status}") from None
            raise


class HideCredentials(logging.Filter):
    """Masks ``secret=`` and ``access_token=`` in URLs that urllib3 logs at debug level."""

    _CREDENTIAL = re.compile(r"((?:secret|access_token)=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "secret=" in message or "access_token=" in message:
            record.msg, record.args = self._CREDENTIAL.sub(r"\1****", message), ()
        return True


def build_client(app_id: str, secret: str, client: redis.Redis, api_base_url: str) -> SharedTokenClient:
    """The client the channel sends with; urllib3's debug log stops showing its credentials."""
    urllib3_log = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, HideCredentials) for f in urllib3_log.filters):
        urllib3_log.addFilter(HideCredentials())
    return SharedTokenClient(app_id, secret, client, api_base_url)
