"""What a planned job does, as plain values: the seam between the recipe side and the engine.

The recipe side (loader → schema → expansion → compiler) produces a ``Plan``; the engine runs it and knows
nothing of YAML. Every action is one API call or a small group of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Exports land under this folder unless `--out` names another (issue 5); paths stay relative to the
# working directory, so the printed output path is the one the user would type.
DEFAULT_OUT_DIR = Path("out")


@dataclass(frozen=True)
class Where:
    """Where an action came from, for error messages: ``recipe.yaml:12:5, job …, step 3 (motion)``."""

    file: str
    line: int
    column: int
    step_index: int  # 1-based position in the recipe's steps
    step_kind: str

    @property
    def label(self) -> str:
        return f"step {self.step_index} ({self.step_kind})"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}, {self.label}"


@dataclass(frozen=True)
class Upload:
    """Upload local files (images, or audio for music) to the job's session."""

    paths: tuple[Path, ...]
    where: Where


@dataclass(frozen=True)
class Say:
    """Send one instruction over /run_sse. ``sentence`` is canonical (specs/instructions.md) or free text."""

    sentence: str
    where: Where
    free_text: bool = False


@dataclass(frozen=True)
class Expectation:
    """Assertions on the session state; ``None`` means "not asserted"."""

    tracks: dict[str, int] | None = None  # {"video": 1, "audio": 1, "text": 2}
    duration_ms: int | None = None
    texts: tuple[str, ...] | None = None  # contents that must be present, in timeline order
    aspect: str | None = None  # "9:16"
    volume: float | None = None  # music volume in percent
    motion: dict[str, object] | None = None  # subset of the video segment's motion, e.g. {"easing": "linear"}


@dataclass(frozen=True)
class Expect:
    expectation: Expectation
    where: Where


@dataclass(frozen=True)
class Export:
    """Render the current draft and download it to ``dest`` (already inside the run's --out directory)."""

    dest: Path
    where: Where
    format: str = "mp4"  # mp4 | webm | mov | gif
    quality: str = "high"  # low | medium | high
    resolution: str = "1080p"


Action = Upload | Say | Expect | Export


@dataclass(frozen=True)
class Job:
    """One session's work: a matrix combination of a recipe."""

    id: str  # stable, derived from the recipe name and the matrix values, e.g. "spring-sale-shoe-tiktok"
    params: dict[str, str] = field(default_factory=dict)  # the matrix values that made this job
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A validated, expanded recipe: the jobs to run and what identifies the recipe."""

    name: str
    recipe_path: Path
    recipe_hash: str  # sha256 of the recipe file and every file it uploads: resume refuses on change
    jobs: tuple[Job, ...]
