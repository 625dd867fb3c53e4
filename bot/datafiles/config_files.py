"""Read the operator-edited YAML files under data/service/ with errors that say file:line."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.datafiles.yaml_lines import Key, YamlError, YamlLines
from bot.datafiles.yaml_shapes import Fields, Shape, load_checked
from bot.settings import PROJECT_ROOT

SERVICE_DIR = PROJECT_ROOT / "data" / "service"
ANY_MAPPING = Fields({})


class ConfigFileError(YamlError):
    """A service configuration file is missing or malformed: ``where`` is file:line."""


def load_config(path: Path, shape: Shape = ANY_MAPPING) -> tuple[dict[str, Any], YamlLines]:
    """The top-level mapping of a YAML file and its lines; ConfigFileError unless it fits ``shape``."""
    try:
        return load_checked(path, shape)
    except YamlError as error:
        raise ConfigFileError(error.where, error.message) from None


def load_mapping(path: Path, shape: Shape = ANY_MAPPING) -> dict[str, Any]:
    """The top-level mapping of a YAML file; ConfigFileError unless it fits ``shape``."""
    return load_config(path, shape)[0]


def config_error(lines: YamlLines, keys: Sequence[Key], message: str) -> ConfigFileError:
    """A ConfigFileError at the line of the value at ``keys``."""
    return ConfigFileError(lines.where(*keys), message)
