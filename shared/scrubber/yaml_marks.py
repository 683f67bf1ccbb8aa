"""Load YAML keeping each value's line, so a broken rules file is refused with the line at fault."""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class YamlStructureError(ValueError):
    """The text is not YAML, or has a structure JSON-like data cannot hold (duplicate keys)."""

    def __init__(self, line: int | None, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}" if line else reason)


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """Parse `text`; return the data and a map from each value's path to its 1-based line.

    Scalars stay strings (pydantic converts them to the declared type): YAML 1.1 would read
    an unquoted place of service `02` as the octal integer 2 and lose the leading zero.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlStructureError(line, str(exc.problem or exc.context or "not valid YAML")) from exc
    except yaml.YAMLError as exc:
        raise YamlStructureError(None, f"not valid YAML: {exc}") from exc
    lines: dict[Path_, int] = {}
    if root is None:
        return None, lines
    return _convert(root, (), lines), lines


def _convert(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlStructureError(key_node.start_mark.line + 1, "a key must be a plain name")
            key = str(key_node.value)
            if key in result:
                raise YamlStructureError(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, path + (key,), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (index,), lines) for index, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return node.value


def line_of(lines: dict[Path_, int], loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of `loc` present in the file (a missing key: its parent)."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())
