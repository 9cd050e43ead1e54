"""Validate a recipe document against ``specs/recipe.schema.json`` and turn every error into a ``Problem``.

jsonschema reports *what* rule failed; this module says it the way a person fixes it: the file:line:col of the
offending key or value, the step (``step 3 (motion)``) and field, and a did-you-mean for misspelt keys and
values. All errors are collected; none stops the others.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from ... import specs as motionctl_specs
from ..errors import Problem
from .loader import Document, JsonPath
from .presets import PLATFORM_ALIASES

_TYPE_NAMES = {"string": "text", "array": "a list", "object": "a mapping", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "nothing"}


@cache
def recipe_schema() -> dict[str, Any]:
    """The recipe JSON Schema (2020-12), read once."""
    schema: dict[str, Any] = motionctl_specs.load("recipe.schema.json")
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(recipe_schema())


@cache
def _step_validator() -> jsonschema.Draft202012Validator:
    schema = recipe_schema()
    return jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/step"})


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``", did you mean 'zoom'?"`` when a close match (or another name for one, such as youtube-shorts for
    shorts) exists, else ``""``."""
    options = list(choices)
    alias = PLATFORM_ALIASES.get(word.lower())
    close = [alias] if alias in options else difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f", did you mean '{close[0]}'?" if close else ""


def locate(doc: Document, path: JsonPath, message: str, *, key: bool = False) -> Problem:
    """A Problem at ``path`` in ``doc``, naming the step and the field the path falls in.

    With ``key``, the problem is about the mapping key at the end of ``path`` (an unknown key): it is located
    at the key, and the field named is the mapping that holds it.
    """
    line, column = doc.key_mark(path) if key else doc.mark(path)
    step, field = describe_path(doc.value, path[:-1] if key else path)
    return Problem(doc.file, line, column, message, step=step, field=field)


def describe_path(value: Any, path: JsonPath) -> tuple[str | None, str | None]:
    """``("step 3 (motion)", "amount.zoom")`` under ``steps``, else ``(None, "defaults.aspect")``."""
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        index = path[1]
        step = value["steps"][index] if isinstance(value, dict) else None
        kinds = [k for k in step if k != "allow_noop"] if isinstance(step, dict) else []
        if len(kinds) != 1:
            return f"step {index + 1}", _dotted(path[2:])
        kind = kinds[0]
        inner = path[3:] if len(path) > 2 and path[2] == kind else path[2:]
        if inner and isinstance(inner[0], int):
            inner = (kind, *inner)  # "upload[1]" reads better than "[1]"
        return f"step {index + 1} ({kind})", _dotted(inner)
    return None, _dotted(path)


def _dotted(path: Sequence[str | int]) -> str | None:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or None


def is_templated(value: Any) -> bool:
    """A string that will only be known after template expansion."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def validate(doc: Document, value: Any | None = None, *, skip_templated: bool = False) -> list[Problem]:
    """Every schema problem of ``value`` (default: the document's own value), located through ``doc``'s marks.

    ``skip_templated`` ignores errors about strings under ``steps`` that still contain ``{{ }}``: the raw
    recipe is checked before expansion, and the steps are checked again once rendered. Templates are only
    expanded in steps, so elsewhere they are reported like any other wrong value.
    """
    return [problem for _, problem in check(doc, value, skip_templated=skip_templated)]


def check(doc: Document, value: Any | None = None, *,
          skip_templated: bool = False) -> list[tuple[JsonPath, Problem]]:
    """Like ``validate``, with the path of the value each problem is about."""
    instance = doc.value if value is None else value
    found: list[tuple[JsonPath, Problem]] = []
    for error in _validator().iter_errors(instance):
        path: JsonPath = tuple(error.absolute_path)
        found.extend((path, problem) for problem in _problems(doc, error, skip_templated))
    return found


def check_step(doc: Document, index: int, step: Any) -> list[tuple[JsonPath, Problem]]:
    """The problems of one (expanded) step, as ``check`` would report them for ``steps[index]``.

    Checking a step alone is what keeps planning a 10,000-job matrix cheap: only the steps a template
    changed are checked again per job, and each distinct value once.
    """
    found: list[tuple[JsonPath, Problem]] = []
    for error in _step_validator().iter_errors(step):
        error.path.extendleft(reversed(("steps", index)))  # nested errors' absolute paths follow
        path: JsonPath = tuple(error.absolute_path)
        found.extend((path, problem) for problem in _problems(doc, error, False))
    return found


def _problems(doc: Document, error: ValidationError, skip_templated: bool) -> Iterator[Problem]:
    path: JsonPath = tuple(error.absolute_path)
    # Only values inside a step are expanded; a template standing for the whole steps list is not.
    if skip_templated and len(path) > 1 and path[0] == "steps" and is_templated(_inst(error)):
        return
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind in ("anyOf", "oneOf") and error.context:
        yield from _branch_problems(doc, error, skip_templated)
    elif kind == "additionalProperties" and isinstance(_inst(error), dict):
        known = list(schema.get("properties", {}))
        for key in _inst(error):
            if key not in known:
                what = "step kind" if path[:1] == ("steps",) and len(path) == 2 else "key"
                hint = did_you_mean(key, known) or f" (expected one of: {', '.join(known)})"
                yield locate(doc, (*path, key), f"unknown {what} '{key}'{hint}", key=True)
    elif kind == "enum":
        choices = [str(c) for c in _vv(error)]
        got = _inst(error)
        shown = repr(got) if not isinstance(got, str) else f"'{got}'"
        hint = did_you_mean(got, choices) if isinstance(got, str) else ""
        if not hint:
            hint = f"; expected one of: {', '.join(choices)}"
        yield locate(doc, path, f"unknown value {shown}{hint}")
    elif kind == "const":
        yield locate(doc, path, f"must be {_vv(error)!r}, got {_inst(error)!r}")
    elif kind == "type":
        expected = _as_list(_vv(error))
        wanted = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in expected)
        yield locate(doc, path, f"expected {wanted}, got {_describe(_inst(error))}")
    elif kind == "required":
        missing = [k for k in _vv(error) if k not in _inst(error) and not _misspelt(error, k)]
        for key in missing:
            yield locate(doc, path, f"missing required key '{key}'{_key_hint(schema, key)}")
    elif kind == "maxProperties" and _is_step(path):
        keys = ", ".join(f"'{k}'" for k in _inst(error))
        yield locate(doc, path, f"a step has exactly one key, got {keys}; start a new '- ' item for each")
    elif kind == "minProperties" and _is_step(path):
        yield locate(doc, path, "empty step; write one key such as 'motion:' or 'say:'")
    elif kind == "pattern":
        message = schema.get("patternErrorMessage") or f"does not match {_vv(error)}"
        # Under propertyNames the instance is a key of the mapping at ``path``: point at that key.
        key = "propertyNames" in error.schema_path
        respelt = _respelt(_inst(error))
        if respelt is not None and re.search(str(_vv(error)), respelt):
            message += f", did you mean '{respelt}'?"
        yield locate(doc, (*path, _inst(error)) if key else path, f"{_inst(error)!r}: {message}", key=key)
    elif kind == "not" and isinstance(_inst(error), dict):
        yield locate(doc, path, "give either 'mood' or 'file', not both")
    else:
        yield locate(doc, path, _plain(error))


def _key_hint(schema: dict[str, Any], key: str) -> str:
    """What a missing key is and how to write it, from the schema's annotations: `` (how long it shows),
    e.g. for: 3s``. The property's own ``description``/``examples`` win over its ``$ref``'s."""
    prop = schema.get("properties", {}).get(key, {})
    ref = str(prop.get("$ref", ""))
    shared = recipe_schema()["$defs"].get(ref.removeprefix("#/$defs/"), {}) if ref.startswith("#/$defs/") \
        else {}
    description = str(prop.get("description") or shared.get("description") or "").split(";")[0]
    examples = prop.get("examples") or shared.get("examples") or []
    hint = f" ({description[:1].lower()}{description[1:].rstrip('.')})" if description else ""
    if examples:
        example = examples[0]
        hint += f", e.g. {key}: {example if not isinstance(example, str) else _yaml_scalar(example)}"
    return hint


def _yaml_scalar(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9][\w .%#-]*", text) and not text.startswith("#") else f'"{text}"'


# How people write values the recipe spells otherwise: a number with a unit word, a colour without its #.
_RESPELLINGS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)\.?", re.I), lambda m: f"{m[1]}s"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:msecs?|milliseconds?)", re.I), lambda m: f"{m[1]}ms"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:m|mins?|minutes?)", re.I), lambda m: f"{float(m[1]) * 60:g}s"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*(?:percent|per ?cent|pct)", re.I), lambda m: f"{m[1]}%"),
    (re.compile(r"#?([0-9a-f]{6})", re.I), lambda m: f"#{m[1].upper()}"),
    (re.compile(r"#?([0-9a-f])([0-9a-f])([0-9a-f])", re.I), lambda m: "#" + "".join(c * 2 for c in m.groups())
     .upper()),
)


def _respelt(value: Any) -> str | None:
    """The spelling the schema takes for a value written another common way (``5 secs`` → ``5s``)."""
    if not isinstance(value, str):
        return None
    for pattern, spell in _RESPELLINGS:
        if match := pattern.fullmatch(value.strip()):
            return spell(match)
    return None


def _branch_problems(doc: Document, error: ValidationError, skip_templated: bool) -> Iterator[Problem]:
    """Explain an anyOf/oneOf failure through the branch the value was evidently meant for."""
    path: JsonPath = tuple(error.absolute_path)
    subs_all = list(error.context or [])
    if all(sub.validator == "required" for sub in subs_all):
        names = [str(_vv(sub)[0]) for sub in subs_all]
        if not any(_misspelt(error, name) for name in names):
            yield locate(doc, path, f"needs at least one of: {', '.join(names)}")
        return
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in subs_all:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    fitting = [subs for subs in by_branch.values() if not any(_misfit(s, path) for s in subs)]
    if fitting:
        for sub in fitting[0]:
            yield from _problems(doc, sub, skip_templated)
        return
    yield locate(doc, path, f"expected {_expected(error)}, got {_describe(_inst(error))}")


def _misspelt(error: ValidationError, name: str) -> bool:
    """A key the object lacks is there under a misspelt name, which its own problem already points out."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = schema.get("properties", {})
    instance = _inst(error)
    unknown = [k for k in instance if k not in known] if isinstance(instance, dict) else []
    return any(difflib.get_close_matches(k, [name], n=1, cutoff=0.6) for k in unknown)


def _misfit(error: ValidationError, path: JsonPath) -> bool:
    """The value is not even of the shape this branch describes (wrong type, or no value of its kind)."""
    if tuple(error.absolute_path) != path:
        return False
    if error.validator == "type":
        return True
    if error.validator in ("enum", "const"):
        choices = _vv(error) if error.validator == "enum" else [_vv(error)]
        return not any(_same_kind(_inst(error), choice) for choice in choices)
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        return all(any(_misfit(s, path) for s in subs) for subs in branches.values())
    return False


def _same_kind(a: Any, b: Any) -> bool:
    def kind(v: Any) -> str:
        return "bool" if isinstance(v, bool) else "number" if isinstance(v, int | float) else type(v).__name__
    return kind(a) == kind(b)


def _expected(error: ValidationError) -> str:
    kinds: list[str] = []
    for sub in error.context or []:
        if sub.validator == "type":
            kinds.extend(_TYPE_NAMES.get(str(v), str(v)) for v in _as_list(_vv(sub)))
        elif sub.validator == "enum":
            kinds.append("one of " + ", ".join(str(v) for v in _vv(sub)))
    return " or ".join(dict.fromkeys(kinds)) or "a different value"


def _vv(error: ValidationError) -> Any:
    return error.validator_value  # typed ``Any | Unset`` by the stubs; always set on reported errors


def _inst(error: ValidationError) -> Any:
    return error.instance


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_step(path: JsonPath) -> bool:
    return len(path) == 2 and path[0] == "steps"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"text '{value}'"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:12]}…({len(text)} digits)" if isinstance(value, int) \
        else text[:37] + "..."


def _plain(error: ValidationError) -> str:
    kind = error.validator
    bound = _vv(error)
    if kind in ("minimum", "exclusiveMinimum"):
        return f"{_shown(_inst(error))} is too small (at least {bound})"
    if kind in ("maximum", "exclusiveMaximum"):
        return f"{_shown(_inst(error))} is too large (at most {bound})"
    if kind == "minItems":
        return f"needs at least {bound} item{'s' if bound != 1 else ''}"
    if kind == "maxItems":
        return f"takes at most {bound} items"
    if kind == "minLength":
        return "must not be empty"
    if kind == "minProperties":
        return "must not be empty"
    return str(error.message)
