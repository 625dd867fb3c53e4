"""The shape a YAML file must have, checked on PyYAML's nodes so that every problem says file:line.

A shape is a ``Scalar`` (``TEXT``, ``QUOTED``, ``WHOLE``, ``NUMBER``, ``FLAG``), ``ListOf(shape)``,
``MapOf(shape)`` (any keys) or ``Fields({key: shape}, required=(…))``. Keys a ``Fields`` does not
name are left alone: other code, or Rasa, may read them. An optional list or mapping may be left
empty (``key:``), as the loaders read that as "none"; a scalar may not.

``load_checked(path, shape)`` reads a file, checks it and returns its data with its ``YamlLines``,
so that the loader can point at a line for what only it can judge (an unknown category …).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.datafiles.yaml_lines import YamlError, YamlLines

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _DATE = (
    _TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)


@dataclass(frozen=True)
class Scalar:
    """One value: which YAML types it may be, and how to say so."""

    tags: frozenset[str]
    what: str


TEXT = Scalar(frozenset({_STR, _INT, _FLOAT, _DATE}), "text")
# For times like "9:00", which YAML reads as a number when they have no quotes.
QUOTED = Scalar(frozenset({_STR}), "text in quotes")
WHOLE = Scalar(frozenset({_INT}), "a whole number")
NUMBER = Scalar(frozenset({_INT, _FLOAT}), "a number")
FLAG = Scalar(frozenset({_BOOL}), "true or false")


@dataclass(frozen=True)
class ListOf:
    """A list whose items all have one shape."""

    items: Shape
    what: str = "a list"


@dataclass(frozen=True)
class MapOf:
    """A mapping with any keys, whose values all have one shape."""

    values: Shape
    what: str = "a mapping"


@dataclass(frozen=True)
class Fields:
    """A mapping with known keys; ``required`` ones must be there and not empty."""

    fields: Mapping[str, Shape]
    required: tuple[str, ...] = ()
    what: str = "a mapping"


Shape = Scalar | ListOf | MapOf | Fields
_NODE_KIND = {
    Scalar: yaml.ScalarNode, ListOf: yaml.SequenceNode, MapOf: yaml.MappingNode, Fields: yaml.MappingNode,
}


class ShapeError(Exception):
    """The first node that does not fit, and what is wrong with it."""

    def __init__(self, node: yaml.Node | None, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def _describe(node: yaml.Node | None) -> str:
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
        return "empty"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node.tag == _BOOL:
        return f"true or false ({node.value} without quotes)"
    if node.tag in (_INT, _FLOAT):
        return f"a number ({node.value})"
    if node.tag == _DATE:
        return f"a date ({node.value})"
    return "text"


def _label(path: list[str]) -> str:
    return " > ".join(path) if path else "the file"


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


def _is_empty(node: yaml.Node) -> bool:
    if isinstance(node, yaml.ScalarNode):
        return node.tag == _NULL or not str(node.value).strip()
    return not node.value


def _item_name(item: yaml.Node, number: int) -> str:
    for key, value in item.value if isinstance(item, yaml.MappingNode) else []:
        if key.value == "id" and isinstance(value, yaml.ScalarNode) and value.value:
            return str(value.value)
    return f"item {number}"


def _pairs(node: yaml.MappingNode, path: list[str]) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node); a key given twice is a problem (YAML keeps only the last)."""
    seen: dict[str, int] = {}
    pairs = []
    for key_node, value in node.value:
        key = str(key_node.value)
        if key in seen:
            first = seen[key]
            raise ShapeError(key_node, (f"{_label(path)}: '{key}' is given twice (first on line {first}); "
                                        "the second would replace the first"))
        seen[key] = key_node.start_mark.line + 1
        pairs.append((key, key_node, value))
    return pairs


def check(node: yaml.Node | None, shape: Shape, path: list[str] | None = None,
          key: yaml.Node | None = None) -> None:
    """Raise ShapeError at the first node of ``node``'s tree that does not fit ``shape``.

    ``key`` is the key ``node`` is written under: problems with ``node`` as a whole are shown there.
    """
    path = path or []
    at = key or node
    if node is None:
        raise ShapeError(at, f"{_label(path)} must be {shape.what}, not {_describe(node)}")
    fits = isinstance(node, _NODE_KIND[type(shape)]) and (not isinstance(shape, Scalar) or node.tag in shape.tags)
    if not fits:
        quotes = isinstance(shape, Scalar) and _STR in shape.tags and isinstance(node, yaml.ScalarNode)
        hint = "; put it in quotes" if quotes and not _is_null(node) else ""
        raise ShapeError(at, f"{_label(path)} must be {shape.what}, not {_describe(node)}{hint}")
    if isinstance(shape, ListOf):
        for number, item in enumerate(node.value, start=1):
            check(item, shape.items, [*path, _item_name(item, number)])
    elif isinstance(shape, MapOf):
        assert isinstance(node, yaml.MappingNode)
        for name, key_node, value in _pairs(node, path):
            check(value, shape.values, [*path, name], key_node)
    elif isinstance(shape, Fields):
        assert isinstance(node, yaml.MappingNode)
        _check_fields(node, shape, path, key or node)


def _check_fields(node: yaml.MappingNode, shape: Fields, path: list[str], at: yaml.Node) -> None:
    present = set()
    for name, key_node, value in _pairs(node, path):
        present.add(name)
        inner = shape.fields.get(name)
        if inner is None:
            continue
        required = name in shape.required
        if _is_null(value) and (required or isinstance(inner, Scalar)):
            raise ShapeError(key_node, f"{_label([*path, name])} is empty")
        if not required and not isinstance(inner, Scalar) and _is_empty(value):
            continue  # an empty optional list or mapping means "none"
        check(value, inner, [*path, name], key_node)
        if required and _is_empty(value):
            raise ShapeError(key_node, f"{_label([*path, name])} is empty")
    for name in shape.required:
        if name not in present:
            raise ShapeError(at, f"{_label(path)} needs '{name}'")


def load_checked(path: Path, shape: Shape) -> tuple[Any, YamlLines]:
    """The data of the YAML file at ``path`` and its lines; YamlError (file:line) unless it fits ``shape``."""
    lines = YamlLines(path)
    try:
        check(lines.root, shape)
    except ShapeError as error:
        line = error.node.start_mark.line + 1 if error.node is not None else 1
        raise YamlError(lines.at(line), error.message) from None
    if lines.root is None:
        return None, lines
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(lines.root), lines
    finally:
        loader.dispose()
