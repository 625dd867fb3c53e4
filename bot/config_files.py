"""Read the operator-edited YAML files under data/service/ with errors that name the file."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

from bot.settings import PROJECT_ROOT

SERVICE_DIR = PROJECT_ROOT / "data" / "service"


class ConfigFileError(ValueError):
    """A service configuration file is missing or malformed."""


def load_mapping(path: Path) -> Dict[str, Any]:
    """The top-level mapping of a YAML file; ConfigFileError if it is not one."""
    try:
        content = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigFileError(f"{path}: {error}") from None
    if not isinstance(content, dict):
        raise ConfigFileError(f"{path}: expected a mapping at the top level")
    return content
