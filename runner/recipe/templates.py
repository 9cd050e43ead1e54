"""``{{ }}`` templates in recipe strings: Jinja2's sandbox with strict undefined names, and bounded work.

A recipe is data from a repository, possibly someone else's, so templates run in ``SandboxedEnvironment``
(no attribute games reach Python internals). ``StrictUndefined`` makes a misspelt variable an error that
names itself, which the planner reports at the template's line with a did-you-mean.

Templates substitute values; they are not programs. So that no template can cost unbounded time or memory
(``{{ 'a' * 1000000000 }}``, nested ``{% for %}``, ``{{ range(10**9)|list }}``, ``{% include %}``), only
expressions, ``{% if %}`` and a list of filters are allowed (checked on the parsed template, before it
runs), ``*``, ``**`` and ``%`` check the size of their result before computing it, and the output is cut
off at ``MAX_TEXT`` characters. Jinja's parser, compiler and Python's own recurse once per level of the
expression tree, so its size is bounded from the tokens before anything parses it: a few hundred ``{`` or
``(`` are a located problem, not a RecursionError. Each distinct template is compiled once per process.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.lexer import Token
from jinja2.sandbox import SandboxedEnvironment

from .characters import bad_text_message
from .limits import MAX_TEMPLATE_NESTING, MAX_TEMPLATE_PARTS, MAX_TEXT
from .loader import JsonPath
from .schema import did_you_mean


def slug(value: Any) -> str:
    """Lower-case ASCII words joined by ``-``, readable in any shell, file name or URL.

    ``"Spring Sale!"`` → ``"spring-sale"``; accents are dropped (``"Café Crème"`` → ``"cafe-creme"``); letters
    with no ASCII spelling (Chinese, Thai, ``ø``) keep the words that have one and add six hex digits of a
    hash of the whole value, so that different values never slug alike (``"春季新品"`` → ``"437d55"``,
    ``"Acme 春季"`` → ``"acme-a5e83b"``).
    """
    return _slug(str(value))


@functools.lru_cache(maxsize=65536)
def _slug(text: str) -> str:
    spelt = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    words = re.sub(r"[^a-z0-9]+", "-", spelt.lower()).strip("-")
    if not any(ch.isalnum() and not ch.isascii() for ch in spelt):
        return words or "x"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]
    return f"{words}-{digest}" if words else digest


@functools.lru_cache(maxsize=65536)
def _stem(text: str) -> str:
    return PurePosixPath(text.replace("\\", "/")).stem


def stem(value: Any) -> str:
    """The file name without directory and suffix: ``images/shoe.png`` → ``shoe``."""
    return _stem(str(value))


_MAX_INT_BITS = 4096  # integers from ** and * stay printable (Python prints at most 4300 digits)

# Jinja's own filters that do bounded work on bounded input, are deterministic and need no Python objects.
_SAFE_FILTERS = ("abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int",
                 "join", "last", "length", "list", "lower", "max", "min", "replace", "reverse", "round",
                 "sort", "string", "striptags", "title", "trim", "truncate", "unique", "upper", "urlencode",
                 "wordcount")

# Template syntax a recipe may use: output, expressions and {% if %}. Loops, assignments, macros, calls,
# includes and blocks are refused with a located problem.
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Name, nodes.Const, nodes.List,
    nodes.Tuple, nodes.Dict, nodes.Pair, nodes.Filter, nodes.Test, nodes.Getattr, nodes.Getitem, nodes.Slice,
    nodes.CondExpr, nodes.Concat, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg,
    nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow,
    nodes.Keyword)
_NODE_WORDS = {"For": "{% for %} loops", "Include": "{% include %}", "Import": "{% import %}",
               "FromImport": "{% from … import %}", "Extends": "{% extends %}", "Block": "{% block %}",
               "Macro": "{% macro %}", "CallBlock": "{% call %}", "Call": "function and method calls",
               "Assign": "{% set %}", "AssignBlock": "{% set %}", "FilterBlock": "{% filter %}",
               "With": "{% with %}", "ExprStmt": "{% do %}"}


class _BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with ``*``, ``**`` and ``%`` refusing results too big to be a recipe value."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
            if isinstance(left, int) and isinstance(right, int):
                _check_bits(abs(left).bit_length() + abs(right).bit_length())
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
                _check_bits(right * abs(left).bit_length())
        elif operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting of text is not supported in templates; join values with ~")
        return super().call_binop(context, operator, left, right)


def _check_repeat(seq: Any, times: Any) -> None:
    if isinstance(seq, str | list | tuple) and isinstance(times, int) and len(seq) * times > MAX_TEXT:
        raise SecurityError(f"the template repeats a value to more than {MAX_TEXT:,} characters or items; "
                            "shorten it")


def _check_bits(bits: int) -> None:
    if bits > _MAX_INT_BITS:
        raise SecurityError("the template computes a number too large to write down; use smaller "
                            "numbers")


def _bounded_replace(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old, new = str(value), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * max(0, len(new) - len(old)) > MAX_TEXT:
        raise SecurityError(f"replace would make more than {MAX_TEXT:,} characters; shorten the text")
    return text.replace(old, new, -1 if count is None else count)


@cache
def environment() -> SandboxedEnvironment:
    """The one template environment: sandboxed, strict, bounded, with the recipe filters."""
    env = _BoundedSandbox(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters = {name: env.filters[name] for name in _SAFE_FILTERS}
    env.filters.update({"stem": stem, "slug": slug, "replace": _bounded_replace})
    env.globals.clear()  # range, lipsum, dict, cycler, joiner, namespace: nothing a value needs
    env.tests = {name: env.tests[name] for name in ("defined", "undefined", "none", "number", "string",
                                                   "even", "odd", "divisibleby", "eq", "ne", "lt", "le",
                                                   "gt", "ge", "in", "true", "false")}
    return env


@cache
def _parsed(text: str) -> nodes.Template:
    """``text``'s syntax tree, once its size is known to be safe to parse.

    Raises:
        TemplateFailure: a syntax error, or a template too long or nested too deep.
    """
    env = environment()
    if len(text) > MAX_TEXT:
        raise TemplateFailure(f"the template is {len(text):,} characters long, over {MAX_TEXT:,}; shorten it")
    try:
        _check_size(env.lexer.tokenize(text))
        return env.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_failure(env, exc) from None


def _check_size(tokens: Iterable[Token]) -> None:
    """Refuse a tag of more than MAX_TEMPLATE_PARTS tokens, or brackets and ``{% if %}`` blocks nested more
    than MAX_TEMPLATE_NESTING deep: the lexer is a loop, so this is safe on any input."""
    brackets = blocks = parts = 0
    statement = False  # the next token is the word that opens a {% %} tag
    for token in tokens:
        if token.type in ("variable_begin", "block_begin"):
            parts, statement = 0, token.type == "block_begin"
            continue
        if token.type in ("data", "variable_end", "block_end"):
            continue
        parts += 1
        if statement:
            blocks += {"if": 1, "endif": -1}.get(token.value, 0)
            statement = False
        brackets += _BRACKETS.get(token.type, 0)
        if parts > MAX_TEMPLATE_PARTS:
            raise TemplateFailure(f"one {{{{ }}}} or {{% %}} holds more than {MAX_TEMPLATE_PARTS} names, "
                                  "operators and values; templates substitute values: list the values in "
                                  "vars or the matrix")
        if brackets + blocks > MAX_TEMPLATE_NESTING:
            raise TemplateFailure(f"the template nests brackets and {{% if %}} blocks more than "
                                  f"{MAX_TEMPLATE_NESTING} levels deep; simplify it")


_BRACKETS = {"lparen": 1, "lbracket": 1, "lbrace": 1, "rparen": -1, "rbracket": -1, "rbrace": -1}


@cache
def compiled(text: str) -> jinja2.Template:
    """``text`` parsed, checked against the allowed syntax and compiled, once per distinct text.

    Raises:
        TemplateFailure: syntax error, a template too big, or syntax recipes do not support.
    """
    env = environment()
    tree = _parsed(text)
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            what = _NODE_WORDS.get(type(node).__name__, f"'{type(node).__name__}'")
            raise TemplateFailure(f"{what}: not supported in recipe templates; templates substitute "
                                  "values ({{ name }}, {{ image | stem }}): list the values in the matrix")
        if isinstance(node, nodes.Filter | nodes.Test) and node.name not in (
                env.filters if isinstance(node, nodes.Filter) else env.tests):
            table = env.filters if isinstance(node, nodes.Filter) else env.tests
            word = "filter" if isinstance(node, nodes.Filter) else "test"
            raise TemplateFailure(f"unknown {word} '{node.name}' in template{_suggest(node.name, table)}")
    try:
        return env.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:  # pragma: no cover — parsed above
        raise _syntax_failure(env, exc) from None


def _syntax_failure(env: SandboxedEnvironment, exc: jinja2.TemplateSyntaxError) -> TemplateFailure:
    match = re.search(r"No filter named '([^']+)'", exc.message or "")
    if match:
        name = match[1]
        return TemplateFailure(f"unknown filter '{name}' in template{_suggest(name, env.filters)}")
    return TemplateFailure(f"template syntax error: {exc.message}")


@dataclass(frozen=True)
class TemplateProblem:
    path: JsonPath
    message: str


def referenced(value: Any) -> frozenset[str] | None:
    """Every variable the templates in ``value`` refer to (``None``: one does not parse).

    A template's result depends on these alone, so the planner renders a step once per distinct set of
    their values rather than once per job.
    """
    names: set[str] = set()

    def walk(item: Any) -> bool:
        if isinstance(item, dict):
            return all(walk(v) for v in item.values())
        if isinstance(item, list):
            return all(walk(v) for v in item)
        if isinstance(item, str) and ("{{" in item or "{%" in item):
            try:
                names.update(meta.find_undeclared_variables(_parsed(item)))
            except (TemplateFailure, jinja2.TemplateSyntaxError):  # an unknown filter, found compiling
                return False
        return True

    return frozenset(names) if walk(value) else None


def render_tree(value: Any, context: Mapping[str, Any],
                path: JsonPath = ()) -> tuple[Any, list[TemplateProblem]]:
    """Render every templated string in ``value`` (recursively); other values pass through unchanged.

    A string that fails to render is kept as written, and its problem is returned with its path.
    """
    problems: list[TemplateProblem] = []

    def walk(item: Any, at: JsonPath) -> Any:
        if isinstance(item, dict):
            return {k: walk(v, (*at, k)) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, (*at, i)) for i, v in enumerate(item)]
        if isinstance(item, str) and ("{{" in item or "{%" in item):
            try:
                return render(item, context)
            except TemplateFailure as exc:
                problems.append(TemplateProblem(at, exc.message))
        return item

    return walk(value, path), problems


class TemplateFailure(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# A template that is only text, variables and argument-free filters (``{{ image | stem }}-{{ platform }}``,
# nearly every recipe's) is evaluated directly: the same result as Jinja's, without a render context per job.
_Part = str | tuple[str, tuple[Any, ...]]


@cache
def _simple(text: str) -> tuple[_Part, ...] | None:
    tree = _parsed(text)
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts: list[_Part] = []
    node: nodes.Node | None
    for node in tree.body[0].nodes:
        if isinstance(node, nodes.TemplateData):
            parts.append(node.data)
            continue
        chain: list[Any] = []
        while isinstance(node, nodes.Filter) and not (node.args or node.kwargs or node.dyn_args
                                                      or node.dyn_kwargs):
            function = environment().filters.get(node.name)
            if function is None or getattr(function, "jinja_pass_arg", None) is not None:
                return None
            chain.append(function)
            node = node.node
        if not isinstance(node, nodes.Name) or node.name.startswith("_"):
            return None
        parts.append((node.name, tuple(reversed(chain))))
    return tuple(parts)


def _render_simple(parts: tuple[_Part, ...], context: Mapping[str, Any]) -> str | None:
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        name, chain = part
        if name not in context:
            return None  # Jinja says what is undefined, with its did-you-mean
        value = context[name]
        for function in chain:
            value = function(value)
        pieces.append(str(value))
    result = "".join(pieces)
    return result if len(result) <= MAX_TEXT else None


def render(text: str, context: Mapping[str, Any]) -> str:
    """Render one template string.

    Raises:
        TemplateFailure: undefined variable or filter (with a did-you-mean), syntax error, unsupported
            syntax, sandbox violation, a result over ``MAX_TEXT`` characters, or any error of the values.
    """
    result = _render(text, context)
    bad_text = bad_text_message(result)
    if bad_text is not None:  # an escape in a string literal ('\\ud800', '\\x00') or in a value
        raise TemplateFailure(f"the template's result: {bad_text}")
    return result


def _render(text: str, context: Mapping[str, Any]) -> str:
    template = compiled(text)  # checks the syntax first
    parts = _simple(text)
    if parts is not None:
        try:
            fast = _render_simple(parts, context)
        except Exception:  # Jinja's own path below reports it as it would
            fast = None
        if fast is not None:
            return fast
    try:
        pieces: list[str] = []
        size = 0
        for piece in template.generate(dict(context)):
            size += len(piece)
            if size > MAX_TEXT:
                raise TemplateFailure(f"the template makes more than {MAX_TEXT:,} characters; shorten it")
            pieces.append(piece)
        return "".join(pieces)
    except jinja2.UndefinedError as exc:
        match = re.fullmatch(r"'([^']+)' is undefined", str(exc))
        if not match:
            raise TemplateFailure(f"template error: {exc}") from None
        name = match[1]
        raise TemplateFailure(f"undefined variable '{name}' in template{_suggest(name, context)}") from None
    except jinja2.TemplateError as exc:
        raise TemplateFailure(f"template error: {exc}") from None
    except (ArithmeticError, ValueError, TypeError, LookupError, MemoryError, RecursionError) as exc:
        # What the values do wrong: 1/0, int('x'), an index out of range.
        raise TemplateFailure(f"template error: {type(exc).__name__}: {exc}") from None


def _suggest(name: str, choices: Mapping[str, Any]) -> str:
    close = did_you_mean(name, [str(c) for c in choices])
    if close:
        return close
    known = ", ".join(sorted(str(c) for c in choices if not str(c).startswith("_"))[:12])
    return f" (defined: {known})" if known else ""
