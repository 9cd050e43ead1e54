"""YAML → plain values, keeping where each value came from.

PyYAML's ``safe_load`` throws the node marks away, so a recipe is *composed* into nodes and converted here,
recording a ``path → line:column`` map that every later stage (schema errors, templates, file checks) uses
to point at the exact place in the file. Paths are tuples of mapping keys and list indexes, as in
``jsonschema``'s ``error.absolute_path``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runner.errors import Problem, RecipeLoadError

JsonPath = tuple[str | int, ...]

# Scalars YAML 1.1 would read as numbers although people mean text: `aspect: 9:16` is 556 in base 60.
_SEXAGESIMAL_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


@dataclass(frozen=True)
class Document:
    """A parsed recipe: its values and where each one is in the file (1-based line and column)."""

    file: str
    value: Any
    marks: Mapping[JsonPath, tuple[int, int]] = field(repr=False)
    key_marks: Mapping[JsonPath, tuple[int, int]] = field(repr=False)
    problems: tuple[Problem, ...] = ()  # found while converting (duplicate keys, non-string keys)

    def mark(self, path: JsonPath) -> tuple[int, int]:
        """Where the value at ``path`` starts; falls back to the nearest enclosing value."""
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def key_mark(self, path: JsonPath) -> tuple[int, int]:
        """Where the mapping key that holds ``path`` starts (for unknown-key messages)."""
        return self.key_marks.get(path) or self.mark(path)


def read_recipe(path: Path) -> tuple[bytes, Document]:
    """Read and parse a recipe file.

    Raises:
        RecipeLoadError: the file cannot be read, is not UTF-8, or is not valid YAML (with file:line:col).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecipeLoadError(f"{path}: cannot read the recipe ({exc.strerror or exc})",
                              hint="check the path") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeLoadError(f"{path}: the recipe is not UTF-8 text (byte {exc.start})",
                              hint="save it as UTF-8") from None
    return data, parse_yaml(text, str(path))


def parse_yaml(text: str, file: str) -> Document:
    """Compose ``text`` into nodes and convert them to values plus a path → mark map.

    Raises:
        RecipeLoadError: YAML syntax error, located at the parser's mark.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if exc.context and context and (context.line, context.column) != (mark and (mark.line, mark.column)):
            # The context ("while scanning a quoted scalar") often points where the real mistake is.
            what += f" ({exc.context} at line {context.line + 1}, column {context.column + 1})"
        raise RecipeLoadError(str(Problem(file, line, column, f"YAML syntax error: {what}"))) from None
    except yaml.YAMLError as exc:
        raise RecipeLoadError(str(Problem(file, 1, 1, f"YAML error: {exc}"))) from None
    finally:
        loader.dispose()
    converter = _Converter(file, loader)
    value = converter.convert(node, ()) if node is not None else None
    return Document(file, value, converter.marks, converter.key_marks, tuple(converter.problems))


class _Converter:
    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader
        self.marks: dict[JsonPath, tuple[int, int]] = {}
        self.key_marks: dict[JsonPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []

    def convert(self, node: yaml.Node, path: JsonPath) -> Any:
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag in _SEXAGESIMAL_TAGS and ":" in node.value:
            return node.value
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, Any]:
        self.loader.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            scalar = isinstance(key_node, yaml.ScalarNode)
            key = self.loader.construct_object(key_node, deep=True) if scalar else None
            if not isinstance(key, str):
                shown = repr(key_node.value) if scalar else "a collection"
                message = f"keys must be text, got {shown}; quote it"
                self.problems.append(Problem(self.file, *key_mark, message))
                continue
            if key in result:
                self.problems.append(Problem(self.file, *key_mark,
                                             f"duplicate key '{key}'; remove one of them"))
                continue
            self.key_marks[(*path, key)] = key_mark
            result[key] = self.convert(value_node, (*path, key))
        return result
