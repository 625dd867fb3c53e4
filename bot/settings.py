"""One settings object, read from the environment.

Every process (launcher, Rasa, action server, console) builds its settings here, so a
variable means the same thing everywhere. Secrets are wrapped so they never print.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting in the environment has a value that cannot be used."""


class Secret:
    """A string that does not show itself in logs, reprs or tracebacks."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret value; call this only where the value is really needed."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class RedisAddress:
    """The parts of a redis:// URL that Rasa's Redis stores take one by one."""

    host: str
    port: int
    db: int
    password: Secret

    @classmethod
    def from_url(cls, url: str) -> RedisAddress:
        """Parse ``redis://[:password@]host[:port][/db]``; raise SettingsError if malformed."""
        parsed = urlparse(url)
        if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
            raise SettingsError(f"REDIS_URL must look like redis://host:port/db, got {parsed.scheme}://…")
        try:
            port = parsed.port or 6379
            db_part = parsed.path.lstrip("/")
            db = int(db_part) if db_part else 0
        except ValueError as error:
            raise SettingsError(f"REDIS_URL has a bad port or db number: {error}") from None
        return cls(host=parsed.hostname, port=port, db=db, password=Secret(parsed.password or ""))


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not 0 < value < 65536 and name.endswith("_PORT"):
        raise SettingsError(f"{name} must be a port number (1-65535), got {value}")
    return value


def _days(environ: Mapping[str, str], name: str, default: int) -> int:
    value = _int(environ, name, default)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1 day, got {value}")
    return value


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 60:
        raise SettingsError(f"{name} must be more than 0 and at most 60 seconds, got {value}")
    return value


def _wait_seconds(environ: Mapping[str, str], name: str) -> float | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= 86400:
        raise SettingsError(f"{name} must be from 0 to 86400 seconds, got {value}")
    return value


def _read_or_create_token(path: Path) -> str:
    """Return the token stored at ``path``, generating one (mode 600) the first time."""
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token)
    return token


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults `make run` uses on a fresh machine."""

    project_root: Path = PROJECT_ROOT
    var_dir: Path = PROJECT_ROOT / "var"
    redis_url: str | None = None
    redis_embedded_port: int = 6390
    rasa_port: int = 5005
    actions_port: int = 5055
    console_port: int = 8000
    # Where Rasa calls the actions; empty: the action server on this host at ``actions_port``.
    action_endpoint_url: str = ""
    host: str = "127.0.0.1"
    service_hours: str = ""
    # A conversation's tracker is deleted this many days after its last event (privacy, memory).
    tracker_retention_days: int = 180
    rasa_api_token: Secret = field(default_factory=lambda: Secret(""))
    console_admin_password: Secret = field(default_factory=lambda: Secret(""))
    telegram_token: Secret = field(default_factory=lambda: Secret(""))
    telegram_secret_token: Secret = field(default_factory=lambda: Secret(""))
    wechat_app_id: str = ""
    wechat_app_secret: Secret = field(default_factory=lambda: Secret(""))
    wechat_token: Secret = field(default_factory=lambda: Secret(""))
    wechat_aes_key: Secret = field(default_factory=lambda: Secret(""))
    # How long a WeChat message waits for the bot before the reply goes by the customer-service
    # API instead (WeChat drops the request and retries after 5 s).
    wechat_reply_seconds: float = 4.0
    # Where the channels' APIs are: the real ones by default, local stand-ins in tests.
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    wechat_api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    # A company's own order and customer systems as ``package.module:Class``; empty: the demo ones.
    order_backend: str = ""
    customer_backend: str = ""
    # Seconds before a waiting handoff is offered to every online agent, for all languages
    # (ROUTING_FALLBACK_SECONDS); None: data/service/routing.yml decides.
    routing_fallback_seconds: float | None = None
    # Seconds between rounds of the ticket scheduler's jobs (SCHEDULER_INTERVAL_SECONDS).
    scheduler_interval_seconds: float = 30.0
    # Where Rasa servers fetch the live model (the console's /models/current; MODEL_SERVER_URL,
    # "off": none) and how often they ask (MODEL_PULL_SECONDS; an unchanged model costs a 304, so often is cheap).
    model_server_url: str = ""
    model_pull_seconds: int = 3

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default: ``os.environ``); raise SettingsError on bad values."""
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("VAR_DIR") or PROJECT_ROOT / "var").resolve()
        redis_url = env.get("REDIS_URL", "").strip() or None
        service_hours = env.get("SERVICE_HOURS", "").strip()
        if service_hours and not re.fullmatch(r"\d{1,2}:\d{2}-\d{1,2}:\d{2}", service_hours):
            raise SettingsError(f"SERVICE_HOURS must look like 09:00-21:00, got {service_hours!r}")
        if redis_url:
            RedisAddress.from_url(redis_url)  # fail early with a clear message
        return cls(
            var_dir=var_dir,
            redis_url=redis_url,
            redis_embedded_port=_int(env, "REDIS_EMBEDDED_PORT", 6390),
            rasa_port=_int(env, "RASA_PORT", 5005),
            actions_port=_int(env, "ACTIONS_PORT", 5055),
            console_port=_int(env, "CONSOLE_PORT", 8000),
            action_endpoint_url=env.get("ACTION_ENDPOINT_URL", "").strip(),
            host=env.get("BIND_HOST", "127.0.0.1") or "127.0.0.1",
            service_hours=service_hours,
            tracker_retention_days=_days(env, "TRACKER_RETENTION_DAYS", 180),
            rasa_api_token=Secret(env.get("RASA_API_TOKEN", "")),
            console_admin_password=Secret(env.get("CONSOLE_ADMIN_PASSWORD", "")),
            telegram_token=Secret(env.get("TELEGRAM_TOKEN", "")),
            telegram_secret_token=Secret(env.get("TELEGRAM_SECRET_TOKEN", "")),
            wechat_app_id=env.get("WECHAT_APP_ID", ""),
            wechat_app_secret=Secret(env.get("WECHAT_APP_SECRET", "")),
            wechat_token=Secret(env.get("WECHAT_TOKEN", "")),
            wechat_aes_key=Secret(env.get("WECHAT_AES_KEY", "")),
            wechat_reply_seconds=_seconds(env, "WECHAT_REPLY_SECONDS", 4.0),
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or "https://api.telegram.org/bot",
            wechat_api_base_url=env.get("WECHAT_API_BASE_URL", "").strip() or "https://api.weixin.qq.com/cgi-bin/",
            order_backend=env.get("ORDER_BACKEND", "").strip(),
            customer_backend=env.get("CUSTOMER_BACKEND", "").strip(),
            routing_fallback_seconds=_wait_seconds(env, "ROUTING_FALLBACK_SECONDS"),
            scheduler_interval_seconds=_seconds(env, "SCHEDULER_INTERVAL_SECONDS", 30.0),
            model_server_url=env.get("MODEL_SERVER_URL", "").strip(),
            model_pull_seconds=_int(env, "MODEL_PULL_SECONDS", 3),
        )

    @property
    def redis_dir(self) -> Path:
        """Where the embedded Redis keeps its append-only file and log."""
        return self.var_dir / "redis"

    @property
    def action_webhook_url(self) -> str:
        """The action server's webhook for Rasa's ``action_endpoint`` (endpoints.yml)."""
        return self.action_endpoint_url or f"http://127.0.0.1:{self.actions_port}/webhook"

    @property
    def models_dir(self) -> Path:
        """Where trained Rasa models go (never committed)."""
        return self.var_dir / "models"

    def resolved_rasa_api_token(self) -> Secret:
        """The Rasa HTTP API token: from RASA_API_TOKEN, else generated once into var/."""
        if self.rasa_api_token:
            return self.rasa_api_token
        return Secret(_read_or_create_token(self.var_dir / "rasa_api_token"))

    def resolved_console_admin_password(self) -> Secret:
        """The console admin password: from CONSOLE_ADMIN_PASSWORD, else generated once into var/."""
        if self.console_admin_password:
            return self.console_admin_password
        return Secret(_read_or_create_token(self.var_dir / "console_admin_password"))
