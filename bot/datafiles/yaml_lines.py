"""Line numbers in the YAML files editors write, so every problem can say file:line.

``YamlLines(path).where("responses", "utter_greet", 0, "text")`` is ``"domain.yml:42"``: the
line of that value, or of the deepest part of the path that exists.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

Key = str | int


class YamlError(ValueError):
    """A YAML file that cannot be read, with where (file:line) and what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def shown_path(path: Path) -> str:
    """``path`` relative to the project when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    """The values of a mapping node by their (scalar) keys; {} for anything else."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def sequence(node: yaml.Node | None) -> list[yaml.Node]:
    """The items of a sequence node; [] for anything else."""
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


class YamlLines:
    """A YAML file's node tree: every value with the line it starts on."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.root: yaml.Node | None = yaml.compose(self.path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            raise YamlError(*self._syntax_error(error)) from None
        except OSError as error:
            raise YamlError(shown_path(self.path), str(error)) from None

    def _syntax_error(self, error: yaml.MarkedYAMLError) -> tuple[str, str]:
        """Where the parser stopped, what it expected, and what it was reading (an unclosed "[" …)."""
        problem = str(error.problem or error)
        mark = error.problem_mark or error.context_mark
        if error.context_mark and ("end of stream" in problem or "<stream end>" in problem):
            mark = error.context_mark  # not the end of the file: where the unclosed "[" or quote opened
        line = mark.line + 1 if mark else 1
        message = f"not valid YAML: {problem}"
        if error.context and error.context_mark:
            started = error.context_mark.line + 1
            place = "on this line" if started == line else f"on line {started}"
            message += f" ({error.context} that starts {place})"
        return self.at(line), message

    def at(self, line: int) -> str:
        """``file:line``."""
        return f"{shown_path(self.path)}:{line}"

    def node(self, *keys: Key) -> yaml.Node | None:
        """The node at ``keys`` (mapping keys and list indexes), or the deepest one found."""
        current = self.root
        for key in keys:
            if isinstance(key, int):
                items = sequence(current)
                following = items[key] if 0 <= key < len(items) else None
            else:
                following = mapping(current).get(key)
            if following is None:
                break
            current = following
        return current

    def line(self, *keys: Key) -> int:
        """The line of the value at ``keys`` (or of the deepest part of the path that exists)."""
        node = self.node(*keys)
        return node.start_mark.line + 1 if node is not None else 1

    def where(self, *keys: Key) -> str:
        """``file:line`` of the value at ``keys`` (or of the deepest part of the path that exists)."""
        return self.at(self.line(*keys))

    def index_of(self, keys: list[Key], field: str, value: Any) -> int | None:
        """The index of the item of the list at ``keys`` whose ``field`` is ``value``."""
        for index, item in enumerate(sequence(self.node(*keys))):
            found = mapping(item).get(field)
            if isinstance(found, yaml.ScalarNode) and found.value == str(value):
                return index
        return None
