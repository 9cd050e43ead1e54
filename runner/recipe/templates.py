"""``{{ }}`` templates in recipe strings: Jinja2's sandbox with strict undefined names.

A recipe is data from a repository, possibly someone else's, so templates run in ``SandboxedEnvironment``
(no attribute games reach Python internals). ``StrictUndefined`` makes a misspelt variable an error that
names itself, which the planner reports at the template's line with a did-you-mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from runner.recipe.loader import JsonPath
from runner.recipe.schema import did_you_mean


def slug(value: Any) -> str:
    """Lower-case words joined by ``-``: ``"Spring Sale!"`` → ``"spring-sale"``."""
    text = str(value).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def stem(value: Any) -> str:
    """The file name without directory and suffix: ``images/shoe.png`` → ``shoe``."""
    return PurePosixPath(str(value).replace("\\", "/")).stem


@cache
def environment() -> SandboxedEnvironment:
    """The one template environment: sandboxed, strict, with the recipe filters."""
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters.update({"stem": stem, "slug": slug})  # upper and lower are Jinja's own
    return env


@dataclass(frozen=True)
class TemplateProblem:
    path: JsonPath
    message: str


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


def render(text: str, context: Mapping[str, Any]) -> str:
    """Render one template string.

    Raises:
        TemplateFailure: undefined variable or filter (with a did-you-mean), syntax error, sandbox violation.
    """
    env = environment()
    try:
        return env.from_string(text).render(dict(context))
    except jinja2.UndefinedError as exc:
        match = re.search(r"'([^']+)' is undefined", str(exc))
        name = match[1] if match else str(exc)
        raise TemplateFailure(f"undefined variable '{name}' in template{_suggest(name, context)}") from None
    except jinja2.TemplateSyntaxError as exc:
        match = re.search(r"No filter named '([^']+)'", exc.message or "")
        if match:
            name = match[1]
            hint = _suggest(name, env.filters)
            raise TemplateFailure(f"unknown filter '{name}' in template{hint}") from None
        raise TemplateFailure(f"template syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise TemplateFailure(f"template error: {exc}") from None


def _suggest(name: str, choices: Mapping[str, Any]) -> str:
    close = did_you_mean(name, [str(c) for c in choices])
    if close:
        return close
    known = ", ".join(sorted(str(c) for c in choices if not str(c).startswith("_"))[:12])
    return f" (defined: {known})" if known else ""
