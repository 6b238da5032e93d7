"""YAML read as a tree that keeps line numbers and the literal text of numbers, so money in a
contract (`fee: 25000.10`) is never routed through a binary float."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass
class Scalar:
    """A YAML scalar: `text` as written, `value` as YAML would type it (numbers kept as text)."""

    text: str
    value: Any
    line: int


@dataclass
class Mapping:
    items: dict[str, Any]
    line: int

    def get(self, key: str, default=None):
        return self.items.get(key, default)


@dataclass
class Sequence:
    items: list
    line: int


def _scalar(node: yaml.ScalarNode) -> Scalar:
    line = node.start_mark.line + 1
    tag = node.tag
    if tag.endswith(":null"):
        return Scalar(node.value, None, line)
    if tag.endswith(":bool"):
        return Scalar(node.value, node.value.lower() in ("true", "yes", "on"), line)
    return Scalar(node.value, node.value, line)  # ints, floats and strings stay text


def to_tree(node: yaml.Node | None):
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return Sequence([to_tree(n) for n in node.value], node.start_mark.line + 1)
    items = {}
    for key_node, value_node in node.value:
        items[str(key_node.value)] = to_tree(value_node)
    return Mapping(items, node.start_mark.line + 1)


def parse_yaml(text: str):
    """The tree of a YAML document; raises yaml.YAMLError (with a line) on bad syntax."""
    return to_tree(yaml.compose(text, Loader=yaml.SafeLoader))


def plain(tree) -> Any:
    """The tree as plain Python values (for storing a contract's terms as JSON)."""
    if isinstance(tree, Mapping):
        return {k: plain(v) for k, v in tree.items.items()}
    if isinstance(tree, Sequence):
        return [plain(v) for v in tree.items]
    if isinstance(tree, Scalar):
        return tree.value
    return tree
