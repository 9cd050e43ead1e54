"""Matrix → job parameter sets, with GitHub Actions' ``include``/``exclude`` rules and stable job ids."""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .loader import JsonPath
from .presets import PLATFORMS
from .schema import did_you_mean
from .templates import render_tree, slug, stem

Report = Callable[[JsonPath, str], None]  # a located problem: where in the recipe, and what

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Combination:
    """One job's matrix values, in the matrix's key order (includes' new keys after)."""

    values: tuple[tuple[str, Scalar], ...]

    def as_dict(self) -> dict[str, Scalar]:
        return dict(self.values)


def axes(matrix: Mapping[str, object]) -> dict[str, list[Scalar]]:
    """The matrix's axes, in order: its lists (the keys ``include`` adds, such as a title, are none)."""
    return {k: list(v) for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)}


def matrix_size(matrix: Mapping[str, object]) -> int:
    """The most jobs ``matrix`` can make (the product of its lists plus its includes), without making them."""
    lists = [len(v) for v in axes(matrix).values()]
    return (math.prod(lists) if lists else 1) + len(_entries(matrix.get("include")))


def matrix_work(matrix: Mapping[str, object]) -> int:
    """How many combination × entry comparisons ``include`` and ``exclude`` cost (each is checked against
    every combination)."""
    lists = [len(v) for v in axes(matrix).values()]
    entries = len(_entries(matrix.get("include"))) + len(_entries(matrix.get("exclude")))
    return (math.prod(lists) if lists else 1) * entries


def expand_matrix(matrix: Mapping[str, object]) -> list[Combination]:
    """Every combination of the matrix lists, minus ``exclude``, plus ``include`` (as GitHub Actions does).

    - ``exclude`` entries drop every product combination whose values match all the entry's keys.
    - each ``include`` entry is merged into every remaining combination it does not contradict on an
      original matrix key (so it may add keys); if it fits none, it becomes a combination of its own.
    No matrix (or only an empty one) gives one empty combination: one job.
    """
    lists = axes(matrix)
    excludes = [dict(e) for e in _entries(matrix.get("exclude"))]
    includes = [dict(e) for e in _entries(matrix.get("include"))]
    keys = list(lists)
    combos: list[dict[str, Scalar]] = [
        dict(zip(keys, values, strict=True)) for values in itertools.product(*lists.values())
    ] if keys else []
    combos = [c for c in combos if not any(_matches(c, e) for e in excludes)]
    originals = [dict(c) for c in combos]
    extra: list[dict[str, Scalar]] = []
    for entry in includes:
        fitted = False
        for combo, original in zip(combos, originals, strict=True):
            if all(original[k] == v for k, v in entry.items() if k in original):
                # Later includes may overwrite values added by earlier ones, never the matrix's own.
                combo.update({k: v for k, v in entry.items() if k not in original})
                fitted = True
        if not fitted:
            extra.append(dict(entry))
    combos.extend(extra)
    if not combos:
        return [] if keys else [Combination(())]
    return [Combination(tuple(c.items())) for c in combos]


def _entries(value: object) -> Sequence[Mapping[str, Scalar]]:
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _matches(combo: Mapping[str, Scalar], entry: Mapping[str, Scalar]) -> bool:
    return all(k in combo and combo[k] == v for k, v in entry.items())


_PATHLIKE = re.compile(r"[/\\]|\.[A-Za-z][A-Za-z0-9]{1,4}$")
# A value longer than this (a title, a sentence) is cut at a word and keeps a hash of itself, so ids stay
# short enough to read, type and show whole in the live display.
MAX_ID_PART = 24


def id_part(value: Scalar) -> str:
    """How one matrix value appears in a job id: a file path by its stem, anything else slugged."""
    if isinstance(value, str | int | float | bool):
        return _id_part(type(value).__name__, value)
    return slug(value)  # not a scalar: the schema reports it; the id only has to exist


@functools.lru_cache(maxsize=65536)
def _id_part(kind: str, value: Scalar) -> str:  # the type is in the key: True and 1 differ here
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, str) and _PATHLIKE.search(value):
        text = stem(value)
    part = slug(text)
    if len(part) <= MAX_ID_PART:
        return part
    head = part[:MAX_ID_PART - 7]
    head = head.rsplit("-", 1)[0] if "-" in head else head
    return f"{head}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:6]}"


def job_ids(name: str, combos: Sequence[Combination], matrix_axes: Sequence[str] = ()) -> list[str]:
    """Stable, unique ids: the recipe name and each axis value, slugged (``spring-sale-shoe-tiktok``).

    Only the axes name a job: values an ``include`` adds to a combination (a title, a caption) do not. A
    combination with no axis value (a matrix of ``include`` entries only) is named by all its values.
    Two combinations that slug alike (``a/shoe.png`` and ``b/shoe.png``) get ``-2``, ``-3``… in matrix
    order, so the ids depend only on the recipe.
    """
    named = set(matrix_axes)
    base = []
    for c in combos:
        values = [v for k, v in c.values if k in named] or [v for _, v in c.values]
        base.append(slug(name) + "".join("-" + id_part(v) for v in values))
    total = Counter(base)
    seen: dict[str, int] = {}
    ids: list[str] = []
    for candidate in base:
        count = seen.get(candidate, 0) + 1
        seen[candidate] = count
        ids.append(candidate if total[candidate] == 1 else f"{candidate}-{count}")
    return ids


def name_jobs(recipe: Mapping[str, Any], matrix: Mapping[str, Any], combos: Sequence[Combination],
              report: Report) -> list[str] | None:
    """The jobs' ids: from the matrix's axes (``job_ids``), or from the recipe's ``job_id`` template, slugged.

    ``None`` when the template fails or gives two jobs the same id (each a problem ``report``-ed).
    """
    name = recipe["name"]
    template = recipe.get("job_id")
    if not isinstance(template, str):
        return job_ids(name, combos, list(axes(matrix)))
    variables = recipe["vars"] if isinstance(recipe.get("vars"), dict) else {}
    ids: list[str] = []
    owners: dict[str, Combination] = {}
    failed = False
    for combo in combos:
        context = {**variables, **combo.as_dict(), "name": name}
        rendered, problems = render_tree(template, context, ("job_id",))
        for problem in problems:
            report(problem.path, problem.message)
        job_id = slug(rendered)
        if job_id in owners and not problems:
            report(("job_id",), f"gives two jobs the id '{job_id}' ({_shown(owners[job_id])}; "
                                f"{_shown(combo)}); add the matrix value that tells them apart")
        failed = failed or bool(problems) or job_id in owners
        owners.setdefault(job_id, combo)
        ids.append(job_id)
    return None if failed else ids


def _shown(combo: Combination) -> str:
    return ", ".join(f"{k}={v}" for k, v in combo.values)


def check_platforms(matrix: Mapping[str, Any], report: Report) -> set[str]:
    """A matrix ``platform`` names a preset wherever it is written: in its list or in an ``include`` entry.

    An unknown name would set no aspect at all (its clips come out 9:16), so it is a problem, not a label.
    Returns the unknown names, whose jobs are not planned (their steps would only repeat the problem).
    """
    listed = matrix.get("platform")
    places: list[tuple[JsonPath, Any]] = (
        [(("matrix", "platform", i), v) for i, v in enumerate(listed)] if isinstance(listed, list) else [])
    places += [(("matrix", "include", j, "platform"), e["platform"])
               for j, e in enumerate(matrix.get("include") or []) if isinstance(e, dict) and "platform" in e]
    unknown: set[str] = set()
    for at, value in places:
        if str(value) not in PLATFORMS:
            unknown.add(str(value))
            hint = did_you_mean(str(value), PLATFORMS) or f"; expected one of: {', '.join(PLATFORMS)}"
            report(at, f"unknown platform '{value}'{hint} (a matrix platform sets its jobs' aspect ratio and "
                       "safe zone)")
    return unknown
