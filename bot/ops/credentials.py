"""The channels Rasa serves: those of credentials.yml whose secrets are set in the environment.

credentials.yml names each secret as ``${VAR}``. A channel whose every ``${VAR}`` is set is
written, with the values filled in, to ``var/credentials.yml`` (mode 600) for ``rasa run``;
a channel missing one is left out, so Telegram or WeChat is on exactly when configured.

``python -m bot.ops.credentials`` writes that file and prints its path: what a host or a container
runs before ``python -m bot.ops.rasa_server run --credentials …`` when the launcher is not used.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings, SettingsError

_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")


def _variables(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_VARIABLE.findall(value))
    if isinstance(value, Mapping):
        return set().union(*(_variables(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_variables(v) for v in value)) if value else set()
    return set()


def _expand(value: Any, environ: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: environ[m.group(1)], value)
    if isinstance(value, Mapping):
        return {k: _expand(v, environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, environ) for v in value]
    return value


def enabled_channels(config: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """The channels whose secrets are all set, with the secrets filled in."""
    enabled = {}
    for channel, options in config.items():
        if all(environ.get(name, "").strip() for name in _variables(options)):
            enabled[channel] = _expand(options, environ)
    return enabled


def disabled_channels(config: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, list[str]]:
    """Channels left out, with the variables they are missing (for the start-up log)."""
    return {
        channel: sorted(name for name in _variables(options) if not environ.get(name, "").strip())
        for channel, options in config.items()
        if channel not in enabled_channels({channel: options}, environ)
    }


def load_config(settings: Settings) -> dict[str, Any]:
    """credentials.yml as written, ``${VAR}`` placeholders and all."""
    return yaml.safe_load((settings.project_root / "credentials.yml").read_text(encoding="utf-8")) or {}


def write_credentials(settings: Settings, environ: Mapping[str, str] | None = None) -> Path:
    """Write var/credentials.yml for ``rasa run`` and return its path."""
    env = os.environ if environ is None else environ
    config = load_config(settings)
    target = settings.var_dir / "credentials.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yaml.safe_dump(enabled_channels(config, env), handle, allow_unicode=True, sort_keys=False)
    return target


def main(environ: Mapping[str, str] | None = None) -> int:
    """Write var/credentials.yml from the environment; print its path and the channels left off."""
    env = os.environ if environ is None else environ
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    for channel, missing in disabled_channels(load_config(settings), env).items():
        print(f"channel {channel} is off: {', '.join(missing)} not set", file=sys.stderr)
    print(write_credentials(settings, env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
