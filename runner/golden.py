"""Golden state diffs: what every step of a recipe changed, normalised, kept beside the recipe.

``workflows/<name>.golden.yaml`` holds, per job and per step, the step's label, the sentence sent (or the
files uploaded, the file exported), whether the step acted (changed the state), the tool result's own
``summary`` of what it did when the service gave one, and the step's RFC 6902 patch with volatile values
replaced by placeholders (runner.normalise), its operations in a canonical order (by path, then op), so
the file does not depend on the order a diff library happens to emit them in. Reply texts, and whether a
reply had any, are left out on purpose: the live service words its replies differently every time and
closes about 30% of edit streams without text, and a golden must hold for any faithful backend.
``--check`` compares the text of this file byte for byte and shows a unified diff; ``--update`` rewrites it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from .confined import write_text
from .errors import UsageError
from .normalise import Placeholders, normalise_patch, normalise_text

Outcome = Literal["created", "updated", "unchanged"]
SUFFIX = ".golden.yaml"


def golden_path(recipe: Path) -> Path:
    """``workflows/quickstart.yaml`` → ``workflows/quickstart.golden.yaml``."""
    return recipe.with_name(recipe.stem + SUFFIX)


def recipes_among(paths: Iterable[Path]) -> list[Path]:
    """The recipes among the command's arguments, goldens left out.

    ``motionctl validate workflows/*.yaml`` also matches the goldens beside the recipes; they are records,
    not recipes, so every command that takes recipes skips them the same way.

    Raises:
        UsageError: every path was a golden file.
    """
    given = list(paths)
    recipes = [p for p in given if not p.name.endswith(SUFFIX)]
    if given and not recipes:
        recipe = given[0].with_name(given[0].name.removesuffix(SUFFIX) + ".yaml")
        raise UsageError(f"{given[0]}: a golden file, not a recipe", hint=f"pass {recipe} instead")
    return recipes


def build(recipe_name: str, job_order: Iterable[str], records: list[dict[str, Any]]) -> str:
    """The golden text for a run's journal records (pure: same records → same bytes).

    Args:
        recipe_name: the plan's name, written at the top.
        job_order: job ids in plan order (jobs finish in any order; the file lists them as planned).
        records: the journal, in write order; only ``session`` and ``step`` records matter.
    """
    jobs: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, Placeholders] = {}
    for r in records:
        job = r.get("job")
        if not isinstance(job, str):
            continue
        ph = names.setdefault(job, Placeholders())
        if r.get("type") == "session":
            for key, kind in (("session_id", "session"), ("task_id", "task")):
                if r.get(key):
                    ph.register(str(r[key]), kind)
        elif r.get("type") == "step":
            jobs.setdefault(job, []).append(_entry(r, ph))
    doc = {"recipe": recipe_name, "jobs": {job: jobs.get(job, []) for job in job_order}}
    header = (f"# Golden state diffs of recipe '{recipe_name}': per job, per step, what it sent and what it\n"
              "# changed in the session state (volatile values as <placeholders>).\n"
              "# Written by `motionctl run --update`; checked by `motionctl run --check`.\n")
    return header + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)


def compare(path: Path, text: str) -> str | None:
    """A unified diff from the golden at ``path`` to ``text``, or ``None`` when they are identical."""
    return diff_texts(path, path.read_text(encoding="utf-8"), text)


def diff_texts(path: Path, old: str, text: str) -> str | None:
    """A unified diff from ``old`` (the golden at ``path``) to ``text``, or ``None`` when they are equal."""
    if old == text:
        return None
    lines = difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                 fromfile=f"{path} (golden)", tofile=f"{path} (this run)", n=3)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def write(path: Path, text: str) -> Outcome:
    """Write the golden if it differs; says whether it was created, updated or already unchanged."""
    if not path.exists():
        write_text(path, text)
        return "created"
    if path.read_text(encoding="utf-8") == text:
        return "unchanged"
    write_text(path, text)
    return "updated"


# A golden lists its jobs under `jobs:`, each block starting with the job id at two spaces' indent: a run
# of some of the jobs (--job, --shard, one pytest item) checks and updates only those blocks.
_JOBS = "jobs:"


@dataclass(frozen=True)
class GoldenText:
    prefix: str  # comments, ``recipe:``, ``jobs:`` — everything before the first job
    sections: dict[str, str]  # job id → its block, in file order


def split(text: str) -> GoldenText:
    """Cut a golden file's text into its prefix and per-job blocks (text kept byte for byte)."""
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.rstrip("\r\n") == _JOBS), None)
    if at is None:
        return GoldenText(text, {})
    sections: dict[str, str] = {}
    current: str | None = None
    for line in lines[at + 1:]:
        key = _job_key(line)
        if key is not None:
            current = key
            sections[current] = line
        elif current is not None:
            sections[current] += line
    return GoldenText("".join(lines[:at + 1]), sections)


def join(prefix: str, sections: Mapping[str, str], order: Sequence[str]) -> str:
    """The file text with the sections of the jobs in ``order`` (a job without a section is left out)."""
    return prefix + "".join(sections[job] for job in order if job in sections)


def for_jobs(path: Path, text: str, jobs: Sequence[str], *, update: bool) -> tuple[str, str]:
    """The golden's text and this run's, both cut to ``jobs`` (a selection's run checks only its jobs).

    With ``update``, the second is the whole file to write: this run's blocks in place of the old ones,
    every other job's block kept, so shards updating in turn do not drop each other's jobs.
    """
    new = split(text)
    old = split(path.read_text(encoding="utf-8")) if path.exists() else GoldenText(new.prefix, {})
    if update:
        order = list(old.sections) + [j for j in jobs if j not in old.sections]
        merged = {**old.sections, **new.sections}
        return join(old.prefix, old.sections, order), join(new.prefix, merged, order)
    return join(old.prefix, old.sections, jobs), join(new.prefix, new.sections, jobs)


@dataclass(frozen=True)
class GoldenResult:
    """What ``--check`` or ``--update`` found for one recipe."""

    path: Path
    outcome: Literal["created", "updated", "unchanged", "matches", "differs", "missing", "skipped"]
    diff: str | None = None


def _entry(r: dict[str, Any], ph: Placeholders) -> dict[str, Any]:
    e: dict[str, Any] = {"step": r.get("label", f"step {r.get('index')}")}
    kind = r.get("kind")
    if kind == "upload":
        e["upload"] = _FlowList(Path(str(p)).name for p in r.get("files", []))
    elif kind in ("say",):
        e["say"] = normalise_text(str(r.get("sent", "")), ph)
        if isinstance(r.get("result"), str) and r["result"]:
            e["result"] = normalise_text(str(r["result"]), ph)
    elif kind == "export":
        e["export"] = str(r.get("dest_name", ""))
    elif kind == "expect":
        e["expect"] = "held"
    if kind in ("upload", "say"):
        e["acted"] = bool(r.get("acted", bool(r.get("patch"))))
    ops = normalise_patch(list(r.get("patch") or []), ph)
    e["patch"] = [_Flow(op) for op in canonical(ops)]
    return e


def canonical(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A patch's operations in one stable order: by path (array indexes as numbers), then op, then value.

    For a golden the order carries no meaning (each op touches its own path), but jsonpatch emits them in
    an order that follows its own dict iteration, which changed between runs of the same recipe.
    """
    def key(op: dict[str, Any]) -> tuple[Any, ...]:
        path = str(op.get("path", "")).split("/")
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in path)
        return parts, str(op.get("op", "")), json.dumps(op.get("value"), sort_keys=True, default=str)

    return sorted(ops, key=key)


class _Flow(dict[str, Any]):
    """A patch op, dumped on one line so a changed op is a one-line change in a diff."""


class _FlowList(list[Any]):
    """A short list of names, dumped on one line."""


class _Dumper(yaml.SafeDumper):
    pass


def _flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(data), flow_style=True)


def _flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(data), flow_style=True)


_Dumper.add_representer(_Flow, _flow)
_Dumper.add_representer(_FlowList, _flow_list)


def _job_key(line: str) -> str | None:
    text = line.rstrip("\r\n")
    if not text.startswith("  ") or text.startswith("   ") or text[2:3] in ("-", "#", ""):
        return None
    head = text[2:].removesuffix(" []")
    if not head.endswith(":"):
        return None
    try:
        key = yaml.safe_load(head[:-1])
    except yaml.YAMLError:
        return None
    return str(key)
