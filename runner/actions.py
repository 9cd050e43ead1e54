"""What a planned job does, as plain values: the seam between the recipe side and the engine.

The recipe side (loader → schema → expansion → compiler) produces a ``Plan``; the engine runs it and knows
nothing of YAML. Every action is one API call or a small group of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import Problem
from .qc.asked import AskedClip

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
    """Upload local files (images, or audio for music) to the job's session.

    Done means every file is listed in the session's ``video_infos`` under the name the API returned.
    """

    paths: tuple[Path, ...]
    where: Where
    allow_noop: bool = False


EffectKind = Literal["motion", "text", "remove_text", "remove_all_text", "remove_motion", "remove_music",
                     "replace", "music", "volume", "aspect", "duration", "use", "changed"]


@dataclass(frozen=True)
class Effect:
    """What the session state must show after a step for the step to count as done (runner/effects.py).

    Only the fields of ``kind`` are set: ``motion`` the axes and easing asked for, ``text`` the content
    added (or removed, or replaced by ``new_text``), ``music`` its volume and mood or file, ``aspect``,
    ``duration_ms``, ``use`` the image's (local) name. ``changed``: anything at all (free text).
    """

    kind: EffectKind
    motion: Mapping[str, str] | None = None  # axis → direction, e.g. {"zoom": "in", "pan": "left"}
    easing: str | None = None
    text: str | None = None
    new_text: str | None = None
    volume: float | None = None
    mood: str | None = None
    file: str | None = None  # a local upload name; the check uses the name the API returned for it
    aspect: str | None = None
    duration_ms: int | None = None


CHANGED = Effect("changed")


@dataclass(frozen=True)
class Say:
    """Send one instruction over /run_sse. ``sentence`` is canonical (specs/instructions.md) or free text.

    ``uploads`` are the local file names the sentence quotes; the engine swaps each for the name the API
    returned when it uploaded that file (a server may rename ``my tone.wav`` to ``my_tone.wav``), so the
    sentence is bound late, at run time. ``effect`` says what the step must change (``None``: anything);
    ``allow_noop`` lets a step that changed nothing pass (the recipe said so).
    """

    sentence: str
    where: Where
    free_text: bool = False
    effect: Effect | None = None
    uploads: tuple[str, ...] = ()
    allow_noop: bool = False

    def bound(self, names: Mapping[str, str]) -> str:
        """The sentence with every quoted local upload name replaced by the name the API gave it."""
        text = self.sentence
        for local in self.uploads:
            server = names.get(local)
            if server and server != local:
                text = text.replace(_quoted(local), _quoted(server))
        return text


def _quoted(text: str) -> str:
    # The sentences' quoting rule (specs/instructions.md): "…" with a double quote written as \".
    return '"' + text.replace('"', '\\"') + '"'


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
    """Render the current draft and download it to ``dest`` (already inside the run's --out directory).

    ``asked`` is what the clip must show and sound like, folded from the recipe (runner/recipe/asked.py);
    the clip QC checks the downloaded file against it. ``None``: nothing to check it against (a plan made
    by hand, e.g. in tests of the engine).
    """

    dest: Path
    where: Where
    format: str = "mp4"  # mp4 | webm | mov | gif
    quality: str = "high"  # low | medium | high
    resolution: str = "1080p"
    asked: AskedClip | None = None
    out_dir: Path | None = None  # the --out folder ``dest`` must stay in, links resolved (None: its own)


Action = Upload | Say | Expect | Export


@dataclass(frozen=True)
class Job:
    """One session's work: a matrix combination of a recipe."""

    id: str  # stable, derived from the recipe name and the matrix axes, e.g. "spring-sale-shoe-tiktok"
    params: dict[str, str] = field(default_factory=dict)  # the matrix values that made this job
    actions: tuple[Action, ...] = ()
    warnings: tuple[str, ...] = ()  # what will run but look bad in this job's clips


@dataclass(frozen=True)
class Plan:
    """A validated, expanded recipe: the jobs to run and what identifies the recipe."""

    name: str
    recipe_path: Path
    recipe_hash: str  # sha256 of the recipe file and every file it uploads: resume refuses on change
    jobs: tuple[Job, ...]
    warnings: tuple[Problem, ...] = ()  # the jobs' warnings, each once, located in the recipe
