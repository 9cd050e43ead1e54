"""motionctl: declarative YAML recipes for the Nemo image-to-video API.

The library behind the ``motionctl`` command::

    from motionctl.runner import RunConfig, load_plan, run_recipe

    plan = load_plan(Path("workflows/quickstart.yaml"))      # validate + expand, no network
    result = run_recipe(RunConfig(recipe=Path("workflows/quickstart.yaml")))
    result.outputs                                           # the MP4s it wrote
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports
from ._version import __version__

if TYPE_CHECKING:
    from .engine import JobOutcome
    from .errors import (
        ApiError,
        ExecutionError,
        ExpectationFailed,
        GoldenMismatch,
        RecipeError,
        RecipeLoadError,
        RecipeValidationError,
        RunnerError,
        UsageError,
    )
    from .events import Reporter
    from .golden import GoldenResult
    from .recipe import load_plan
    from .run import RunConfig, RunResult, run_recipe

__getattr__ = lazy_exports(__name__, {
    **dict.fromkeys(["ApiError", "ExecutionError", "ExpectationFailed", "GoldenMismatch", "RecipeError",
                     "RecipeLoadError", "RecipeValidationError", "RunnerError", "UsageError"], "errors"),
    "JobOutcome": "engine", "Reporter": "events", "GoldenResult": "golden", "load_plan": "recipe",
    "RunConfig": "run", "RunResult": "run", "run_recipe": "run",
})

__all__ = [
    "ApiError",
    "ExecutionError",
    "ExpectationFailed",
    "GoldenMismatch",
    "GoldenResult",
    "JobOutcome",
    "RecipeError",
    "RecipeLoadError",
    "RecipeValidationError",
    "Reporter",
    "RunConfig",
    "RunResult",
    "RunnerError",
    "UsageError",
    "__version__",
    "load_plan",
    "run_recipe",
]
