"""YAML read as a tree that keeps line numbers and the literal text of numbers, so money in a
contract (`fee: 25000.10`) is never routed through a binary float.

The files come from outside (a firm's contracts.yaml, firm.yaml), so the reader refuses what
could make a small file expensive before anything is built: a file over MAX_YAML_BYTES, an
anchor or alias (a 1 KB "billion laughs" file expands to gigabytes), and nesting deeper than
MAX_YAML_DEPTH (PyYAML's composer recurses once per level). See docs/security.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_YAML_BYTES = 4 * 1024 * 1024  # a firm with thousands of contracts stays far below
MAX_YAML_DEPTH = 64  # contracts.yaml needs 6 levels (contracts > contract > workstream > ...)


class YamlRefused(ValueError):
    """A YAML file that is broken or hostile; `line` is where (1-based, 0 when unknown).

    A ValueError, so every caller that reports a user's bad file shows it as one line."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.line = line


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


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader with two refusals made per node, before the node is built: no anchors or
    aliases, and no nesting deeper than MAX_YAML_DEPTH (checked by the scanner for flow
    brackets and by the composer for everything else)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def fetch_flow_collection_start(self, token_class):
        """The scanner's own check on `[` and `{`: PyYAML's scanner keeps one pending simple
        key per open flow level and walks them all on every token, so 1,000 open brackets
        cost a quadratic second before the composer sees the first node."""
        if self.flow_level >= MAX_YAML_DEPTH:
            line = self.get_mark().line + 1
            raise YamlRefused(line, f"nested deeper than {MAX_YAML_DEPTH} levels")
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused(line, f"YAML aliases (*{event.anchor}) are not allowed")
        if event.anchor is not None:
            raise YamlRefused(line, f"YAML anchors (&{event.anchor}) are not allowed")
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise YamlRefused(line, f"nested deeper than {MAX_YAML_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _one_line(err: yaml.YAMLError) -> YamlRefused:
    """PyYAML's multi-line message (problem, context, a caret drawing) as one line."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    reason = f"{context}, {problem}" if context else problem
    return YamlRefused(mark.line + 1 if mark else 0, f"bad YAML: {' '.join(reason.split())}")


def parse_yaml(text: str):
    """The tree of a YAML document; raises YamlRefused (a ValueError, with a line) on bad
    syntax, an anchor or alias, or nesting deeper than MAX_YAML_DEPTH."""
    if len(text) > MAX_YAML_BYTES:
        raise YamlRefused(0, f"file over {MAX_YAML_BYTES // (1024 * 1024)} MB")
    loader = _GuardedLoader(text)
    try:
        return to_tree(loader.get_single_node())
    except yaml.YAMLError as err:
        raise _one_line(err) from None
    finally:
        loader.dispose()


def read_yaml_text(path: Path) -> str:
    """The text of a YAML file, refused unread when it is over MAX_YAML_BYTES (a hostile or
    mistaken file must not be read whole into memory just to be rejected)."""
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise YamlRefused(
            0, f"file is {size:,} bytes, over the {MAX_YAML_BYTES // (1024 * 1024)} MB limit"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise YamlRefused(0, f"not UTF-8 text (byte {err.start})") from None


def plain(tree) -> Any:
    """The tree as plain Python values (for storing a contract's terms as JSON)."""
    if isinstance(tree, Mapping):
        return {k: plain(v) for k, v in tree.items.items()}
    if isinstance(tree, Sequence):
        return [plain(v) for v in tree.items]
    if isinstance(tree, Scalar):
        return tree.value
    return tree
