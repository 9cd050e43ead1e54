"""The recipe language: YAML recipes → validated, expanded ``runner.actions.Plan`` values.

loader (YAML with marks) → schema (all problems, located) → model (typed steps) → templates/expand (vars,
matrix → jobs) → compiler (one canonical sentence per step) → planner (the Plan the engine runs).
limits holds every bound a recipe must keep; select picks jobs (--job, --shard); discover turns command-line
paths (folders, globs) into recipe files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import lazy_exports

if TYPE_CHECKING:
    from .compiler import compile_step
    from .planner import JobEstimate, estimate, load_all, load_plan, recipe_hash

# Loaded on first use: `motionctl --help` imports recipe.discover and recipe.select alone.
__getattr__ = lazy_exports(__name__, {
    "compile_step": "compiler",
    **dict.fromkeys(["JobEstimate", "estimate", "load_all", "load_plan", "recipe_hash"], "planner"),
})

__all__ = ["JobEstimate", "compile_step", "estimate", "load_all", "load_plan", "recipe_hash"]
