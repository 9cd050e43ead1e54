"""Matrix → job parameter sets, with GitHub Actions' ``include``/``exclude`` rules and stable job ids."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .templates import slug, stem

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Combination:
    """One job's matrix values, in the matrix's key order (includes' new keys after)."""

    values: tuple[tuple[str, Scalar], ...]

    def as_dict(self) -> dict[str, Scalar]:
        return dict(self.values)


def matrix_size(matrix: Mapping[str, object]) -> int:
    """The most jobs ``matrix`` can make (the product of its lists plus its includes), without making them."""
    lists = [len(v) for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)]
    return (math.prod(lists) if lists else 1) + len(_entries(matrix.get("include")))


def matrix_work(matrix: Mapping[str, object]) -> int:
    """How many combination × entry comparisons ``include`` and ``exclude`` cost (each is checked against
    every combination)."""
    lists = [len(v) for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)]
    entries = len(_entries(matrix.get("include"))) + len(_entries(matrix.get("exclude")))
    return (math.prod(lists) if lists else 1) * entries


def expand_matrix(matrix: Mapping[str, object]) -> list[Combination]:
    """Every combination of the matrix lists, minus ``exclude``, plus ``include`` (as GitHub Actions does).

    - ``exclude`` entries drop every product combination whose values match all the entry's keys.
    - each ``include`` entry is merged into every remaining combination it does not contradict on an
      original matrix key (so it may add keys); if it fits none, it becomes a combination of its own.
    No matrix (or only an empty one) gives one empty combination: one job.
    """
    lists = {k: list(v) for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)}
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
    return slug(text)


def job_ids(name: str, combos: Sequence[Combination]) -> list[str]:
    """Stable, unique ids: the recipe name and each matrix value, slugged (``spring-sale-shoe-tiktok``).

    Two combinations that slug alike (``a/shoe.png`` and ``b/shoe.png``) get ``-2``, ``-3``… in matrix order,
    so the ids depend only on the recipe.
    """
    base = [slug(name) + "".join("-" + id_part(v) for _, v in c.values) for c in combos]
    total = Counter(base)
    seen: dict[str, int] = {}
    ids: list[str] = []
    for candidate in base:
        count = seen.get(candidate, 0) + 1
        seen[candidate] = count
        ids.append(candidate if total[candidate] == 1 else f"{candidate}-{count}")
    return ids
