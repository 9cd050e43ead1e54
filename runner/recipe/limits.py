"""The bounds a recipe must keep, as data: what the API's draft accepts, and what keeps the machine safe.

Ranges the draft enforces (volume, text size) are read from ``specs/draft.schema.json`` so that the recipe
side and the render side cannot drift apart; ``tests/runner/recipe/test_recipe_limits.py`` also checks that
``specs/recipe.schema.json`` states the same numbers. The other caps are ours: each stops a recipe from
costing unbounded time or memory before any API call (issue 10), and each is reported as a located problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ... import specs as motionctl_specs

MAX_RECIPE_BYTES = 1024 * 1024  # a recipe is a page of YAML; 1 MiB is far beyond any real one
MAX_VALUES = 50_000  # values after YAML alias expansion (anchor bombs); a 10,000-job recipe has ~600
MAX_DEPTH = 40  # nested lists/mappings; real recipes use 5
MAX_JOBS = 10_000  # jobs of one matrix: planning stays under 2 s; split bigger campaigns into recipes
MAX_STEPS_PLANNED = 500_000  # jobs × steps: what the plan holds in memory and a run journals
MAX_MATRIX_WORK = 2_000_000  # combinations × include/exclude entries: each entry is matched against each
MAX_TEXT = 10_000  # characters of a template, its result, a text value or the sentence a step sends
MAX_TEMPLATE_NESTING = 10  # brackets in one {{ }} plus the {% if %} blocks around it; Jinja recurses on each
MAX_TEMPLATE_PARTS = 100  # names, operators and values in one {{ }} or {% %}: each deepens Jinja's tree
MAX_CLIP_MS = 10 * 60 * 1000  # any duration: a still-image clip of 10 minutes is far past every platform
MAX_ZOOM_PAN_PERCENT = 500.0  # motion amounts: 500% is a 6× zoom, or five frame widths of travel
MAX_ROLL_DEGREES = 360.0
MAX_PATH_BYTES = 4095  # a path (an export's with --out before it): Linux's PATH_MAX less its ending NUL
MAX_NAME_BYTES = 255  # one file name, as every common file system


@dataclass(frozen=True)
class Range:
    minimum: float
    maximum: float


@dataclass(frozen=True)
class DraftBounds:
    volume: Range  # music volume, percent
    text_size: Range  # font size in px


@cache
def draft_bounds() -> DraftBounds:
    """The ranges ``specs/draft.schema.json`` enforces on what a recipe can set."""
    defs: dict[str, Any] = motionctl_specs.load("draft.schema.json")["$defs"]
    vol = defs["audioSegment"]["properties"]["vol"]
    size = defs["textSegment"]["properties"]["size"]
    return DraftBounds(volume=Range(vol["minimum"], vol["maximum"]),
                       text_size=Range(size["minimum"], size["maximum"]))
