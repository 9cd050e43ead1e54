"""YAML → plain values, keeping where each value came from.

PyYAML's ``safe_load`` throws the node marks away, so a recipe is *composed* into nodes and converted here,
recording a ``path → line:column`` map that every later stage (schema errors, templates, file checks) uses
to point at the exact place in the file. Paths are tuples of mapping keys and list indexes, as in
``jsonschema``'s ``error.absolute_path``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, RecipeLoadError
from .characters import bad_text_message, file_character, mended
from .limits import MAX_DEPTH, MAX_RECIPE_BYTES, MAX_VALUES

JsonPath = tuple[str | int, ...]

# Scalars YAML 1.1 would read as numbers although people mean text: `aspect: 9:16` is 556 in base 60.
_SEXAGESIMAL_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
# The only scalar types a recipe has; every other tag (!!binary, !!timestamp, !!python/…) is refused.
_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
               "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Syntax errors whose context is where the broken construct starts (an unclosed quote or bracket); for the
# others ("while parsing a block mapping") the context is the enclosing mapping, often line 1.
_LOCATE_AT_CONTEXT = ("while scanning a quoted scalar", "while parsing a flow", "while scanning a simple key",
                      "while scanning an anchor", "while scanning an alias", "while scanning a tag",
                      "while scanning a block scalar", "while scanning a directive")


_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


class RecipeSyntaxError(RecipeLoadError):
    """A recipe that cannot be parsed, with the one located problem (for ``validate --json``)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Unloadable(Exception):
    def __init__(self, mark: tuple[int, int], message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


@dataclass(frozen=True)
class Document:
    """A parsed recipe: its values and where each one is in the file (1-based line and column)."""

    file: str
    value: Any
    marks: Mapping[JsonPath, tuple[int, int]] = field(repr=False)
    key_marks: Mapping[JsonPath, tuple[int, int]] = field(repr=False)
    problems: tuple[Problem, ...] = ()  # found while converting (duplicate keys, non-string keys)
    broken: frozenset[JsonPath] = frozenset()  # values the loader already reported (bad tags): no cascade

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
        size = path.stat().st_size
        if size > MAX_RECIPE_BYTES:
            message = (f"the recipe is {size:,} bytes, over the {MAX_RECIPE_BYTES:,}-byte limit; split it "
                       "into several recipes")
            raise RecipeSyntaxError(Problem(str(path), 1, 1, message))
        data = path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = getattr(exc, "strerror", None) or exc
        raise RecipeLoadError(f"{_short(path)}: cannot read the recipe ({reason})",
                              hint="check the path") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeLoadError(f"{path}: the recipe is not UTF-8 text (byte {exc.start})",
                              hint="save it as UTF-8") from None
    return data, parse_yaml(text, str(path))


def _short(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 120 else text[:60] + "…" + text[-40:]


def parse_yaml(text: str, file: str) -> Document:
    """Compose ``text`` into nodes and convert them to values plus a path → mark map.

    Raises:
        RecipeLoadError: a character YAML refuses (NUL, ESC…), a YAML syntax error, nesting too deep;
            located at the character or the parser's mark.
    """
    character_problem = _unreadable_character(text, file)
    if character_problem is not None:
        raise RecipeSyntaxError(character_problem)
    depth_problem = _too_deep(text, file)
    if depth_problem is not None:
        raise RecipeSyntaxError(depth_problem)
    # LibYAML composes ten times faster; on a syntax error the Python parser composes again, because its
    # messages and marks (where a quote opens) are the ones users see. Errors are rare: the cost is too.
    if _FAST_LOADER is not None:
        fast = _FAST_LOADER(text)
        try:
            node = fast.get_single_node()
        except yaml.YAMLError:
            pass
        else:
            return _convert(node, file, fast)
        finally:
            fast.dispose()
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise RecipeSyntaxError(_syntax_problem(exc, file)) from None
    except yaml.YAMLError as exc:
        raise RecipeSyntaxError(Problem(file, 1, 1, f"YAML error: {exc}")) from None
    except RecursionError:  # pragma: no cover — _too_deep stops deep documents first
        raise RecipeSyntaxError(Problem(file, 1, 1, "the recipe is nested too deeply")) from None
    finally:
        loader.dispose()
    return _convert(node, file, loader)


def _convert(node: yaml.Node | None, file: str, loader: Any) -> Document:
    converter = _Converter(file, loader)
    try:
        value = converter.convert(node, ()) if node is not None else None
    except _Unloadable as exc:
        raise RecipeSyntaxError(Problem(file, *exc.mark, exc.message)) from None
    return Document(file, value, converter.marks, converter.key_marks, tuple(converter.problems),
                    frozenset(converter.broken))


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    """The problem at the start of the broken construct, naming where the parser gave up."""
    problem, context = exc.problem_mark, exc.context_mark
    what = exc.problem or exc.context or "invalid YAML"
    at = problem or context
    if context is not None and exc.context and exc.context.startswith(_LOCATE_AT_CONTEXT):
        at = context
        if problem is not None and (problem.line, problem.column) != (context.line, context.column):
            what = f"{exc.context}: {what} (at line {problem.line + 1}, column {problem.column + 1})"
        else:
            what = f"{exc.context}: {what}"
    elif exc.context and context is not None and problem is not None:
        what += f" ({exc.context} at line {context.line + 1}, column {context.column + 1})"
    line, column = (at.line + 1, at.column + 1) if at else (1, 1)
    return Problem(file, line, column, f"YAML syntax error: {what}")


def _unreadable_character(text: str, file: str) -> Problem | None:
    """A problem at the first character the YAML reader refuses, which it reports without a position."""
    found = file_character(text)
    if found is None:
        return None
    index, what = found
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Problem(file, line, column, f"the recipe holds {what} here; remove it (a recipe is plain text)")


def _too_deep(text: str, file: str) -> Problem | None:
    """A problem at the first collection nested deeper than MAX_DEPTH (both composers recurse).

    Parsing (events) does not recurse, so this pass is safe at any depth. LibYAML (0.2.5 and newer) may
    stop at a nesting limit of its own, without a useful mark: the Python parser then says where.
    """
    for loader in (_FAST_LOADER, yaml.SafeLoader):
        if loader is None:
            continue
        depth = 0
        try:
            for event in yaml.parse(text, Loader=loader):
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    mark = event.start_mark
                    if depth > MAX_DEPTH and mark is not None:
                        return Problem(file, mark.line + 1, mark.column + 1,
                                       f"nested more than {MAX_DEPTH} levels deep; flatten the recipe")
                elif isinstance(event, yaml.CollectionEndEvent):
                    depth -= 1
        except yaml.YAMLError:
            continue  # a syntax error (composing reports it, located) or LibYAML's own depth limit
        return None
    return None


class _Converter:
    """Nodes → values, marks and problems. Aliases are expanded, and counted: an anchor bomb stops at
    MAX_VALUES instead of filling the memory. What aliases nest counts towards MAX_DEPTH like what is
    written out, and an alias inside its own anchor (a loop) is refused."""

    def __init__(self, file: str, loader: Any) -> None:  # a SafeLoader or LibYAML's CSafeLoader
        self.file = file
        self.loader = loader
        self.marks: dict[JsonPath, tuple[int, int]] = {}
        self.key_marks: dict[JsonPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.broken: set[JsonPath] = set()
        self.open: list[yaml.Node] = []  # the collections being converted: the path from the root
        self.seen: set[int] = set()  # ids of every collection converted: one met again is an alias

    def _at(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def convert(self, node: yaml.Node, path: JsonPath | None) -> Any:
        """The value of ``node``; ``path`` None converts without recording marks (merged mappings)."""
        self.count += 1
        if self.count > MAX_VALUES:
            raise _Unloadable(self._at(node), f"the recipe expands to more than {MAX_VALUES:,} values (YAML "
                                          "aliases repeat what their anchor holds); write it out plainly")
        if path is not None:
            self.marks[path] = self._at(node)
        if isinstance(node, yaml.CollectionNode):
            return self._collection(node, path)
        assert isinstance(node, yaml.ScalarNode)
        value, ok = self._scalar(node)
        if not ok and path is not None:
            self.broken.add(path)
        return value

    def _collection(self, node: yaml.CollectionNode, path: JsonPath | None) -> Any:
        # The composer makes an alias the very node its anchor names, so a loop is a node met again on
        # its own path, and aliases nest as deep as they repeat.
        if any(node is open_node for open_node in self.open):
            raise _Unloadable(self._at(node), "this value holds an alias to itself (a loop of YAML aliases); "
                                              "an alias can only repeat a value written before it")
        if len(self.open) >= MAX_DEPTH:
            # Located at the value holding the outermost alias of the chain: where the nesting is written.
            outer = next((i for i, n in enumerate(self.open) if id(n) in self.seen), len(self.open))
            at = self.open[max(outer - 1, 0)]
            raise _Unloadable(self._at(at), f"nested more than {MAX_DEPTH} levels deep (counting what YAML "
                                            "aliases repeat); flatten the recipe")
        self.open.append(node)
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.convert(item, None if path is None else (*path, i))
                    for i, item in enumerate(node.value)]
        finally:
            self.open.pop()
            self.seen.add(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> tuple[Any, bool]:
        """The scalar's value and whether it is one (a problem is recorded if not)."""
        if node.tag in _SEXAGESIMAL_TAGS and ":" in node.value:
            return node.value, True
        shown = node.value if node.value.isprintable() else node.value.encode("unicode_escape").decode()
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problems.append(Problem(self.file, *self._at(node),
                                         f"YAML tag {tag} is not supported in recipes ('{shown}'); write "
                                         "plain text, a number or true/false (quote dates and such)"))
            return node.value, False
        try:
            value = self.loader.construct_object(node, deep=True)
        except Exception as exc:  # what a constructor raises on bad text varies (KeyError for !!bool maybe)
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            reason = getattr(exc, "problem", None) or str(exc)
            self.problems.append(Problem(self.file, *self._at(node),
                                         f"'{shown}' is not a valid {tag} ({reason}); fix the value or "
                                         "quote it as text"))
            return node.value, False
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(Problem(self.file, *self._at(node),
                                         f"'{shown}' is not a finite number; write an ordinary number"))
            return node.value, False
        bad_text = bad_text_message(value) if isinstance(value, str) else None
        if bad_text is not None:  # written with a YAML escape ("\0", "\ud800"): the file itself is clean
            self.problems.append(Problem(self.file, *self._at(node), bad_text))
            return mended(value), False
        return value, True

    def _mapping(self, node: yaml.MappingNode, path: JsonPath | None) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.append((key_node, value_node))
                continue
            key_mark = self._at(key_node)
            scalar = isinstance(key_node, yaml.ScalarNode)
            key = self._scalar(key_node)[0] if scalar else None
            if not isinstance(key, str):
                shown = repr(key_node.value) if scalar else "a collection"
                message = f"keys must be text, got {shown}; quote it"
                self.problems.append(Problem(self.file, *key_mark, message))
                continue
            if key in result:
                self.problems.append(Problem(self.file, *key_mark,
                                             f"duplicate key '{key}'; remove one of them"))
                continue
            if path is not None:
                self.key_marks[(*path, key)] = key_mark
            result[key] = self.convert(value_node, None if path is None else (*path, key))
        # `<<: *anchor` (or a list of them): keys written here win, then earlier merges over later ones.
        for key_node, value_node in merged:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                value = self.convert(source, None)
                if not isinstance(value, dict):
                    self.problems.append(Problem(self.file, *self._at(source),
                                                 "'<<' merges mappings only; give it an anchored mapping"))
                    continue
                for key, item in value.items():
                    if key not in result:
                        result[key] = item
                        if path is not None:
                            self.marks[(*path, key)] = self.key_marks[(*path, key)] = self._at(key_node)
        return result
