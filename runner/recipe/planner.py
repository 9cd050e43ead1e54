"""A recipe file → a ``Plan``: load, validate, expand, type, compile; every problem collected, then raised.

This is the only module of the recipe side that touches files beyond the recipe itself (the media checks
and the hash). The order matters for messages: schema problems of the raw recipe first (templated strings
are skipped there), then per job the template and schema problems of the expanded steps, then what only a
whole job can tell (uploads exist, names refer to uploads, duration caps, export paths).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import confined, media
from ..actions import (
    DEFAULT_OUT_DIR,
    Action,
    Expect,
    Expectation,
    Export,
    Job,
    Plan,
    Say,
    Upload,
    Where,
)
from ..errors import MediaError, Problem, RecipeError, RecipeLoadError, RecipeValidationError
from . import model, render_checks, schema
from .asked import ClipFold
from .compiler import compile_step, effect_of, number, seconds, uploads_quoted
from .expand import Combination, check_platforms, expand_matrix, matrix_size, matrix_work, name_jobs
from .limits import (
    MAX_JOBS,
    MAX_MATRIX_WORK,
    MAX_NAME_BYTES,
    MAX_PATH_BYTES,
    MAX_STEPS_PLANNED,
    MAX_TEXT,
)
from .loader import Document, JsonPath, read_recipe
from .presets import AUDIO_SUFFIXES, PLATFORMS, Platform, safe_zone
from .select import Selection
from .templates import referenced, render_tree

EXPORT_FORMATS = ("mp4", "webm", "mov", "gif")
_NEARBY_LIMIT = 2000  # entries a folder contributes to an upload's did-you-mean


def load_plan(path: Path, out_dir: Path = DEFAULT_OUT_DIR, preview: bool = False, *,
              allow_paths: Sequence[Path] = (), select: Selection | None = None) -> Plan:
    """Load, validate and expand the recipe at ``path`` into the jobs the engine runs.

    Args:
        path: the recipe file; image paths in it are relative to its folder.
        out_dir: where exports land (default ``out``); an export's ``to:`` may not leave it.
        preview: render every export at quality low, 540p.
        allow_paths: folders besides the recipe's own that uploads may come from (``--allow-path``).
        select: keep only these jobs (``--job``, ``--shard``); the whole recipe is still validated, and
            the recipe hash is the whole recipe's, the same for every shard.

    Raises:
        RecipeLoadError: the file is unreadable or not YAML (located at the syntax error).
        RecipeValidationError: every problem found, each located as file:line:col.
        UsageError: ``select`` matches no job.
    """
    data, doc = read_recipe(path)
    warnings = _Problems([])
    problems, jobs = _plan_jobs(doc, path, out_dir, preview, tuple(allow_paths), warnings)
    if problems:
        raise RecipeValidationError(problems)
    name = str(doc.value["name"])
    digest = recipe_hash(data, jobs)
    if select is not None:
        jobs = select.apply(jobs)
    return Plan(name=name, recipe_path=path, recipe_hash=digest, jobs=tuple(jobs),
                warnings=tuple(sorted(warnings.items, key=lambda p: (p.line, p.column))))


def load_all(recipes: Sequence[Path], out_dir: Path, *, preview: bool = False,
             allow_paths: Sequence[Path] = ()) -> tuple[list[tuple[Path, Plan]], RecipeError | None]:
    """Load every recipe: the good ones' plans, and one error holding every problem of the others."""
    plans: list[tuple[Path, Plan]] = []
    problems: list[Problem] = []
    unreadable: list[str] = []
    for recipe in recipes:
        try:
            plans.append((recipe, load_plan(recipe, out_dir=out_dir, preview=preview,
                                            allow_paths=allow_paths)))
        except RecipeValidationError as exc:
            problems.extend(exc.problems)
        except RecipeLoadError as exc:
            unreadable.append(str(exc))
    if unreadable:
        return plans, RecipeError("\n".join([*unreadable, *(str(p) for p in problems)]))
    return plans, RecipeValidationError(problems) if problems else None


def recipe_hash(recipe_bytes: bytes, jobs: Sequence[Job]) -> str:
    """sha256 over the recipe's bytes and every local file its jobs upload (path and content, sorted)."""
    digest = hashlib.sha256()
    digest.update(b"recipe\0" + recipe_bytes)
    uploads = sorted({p for job in jobs for a in job.actions if isinstance(a, Upload) for p in a.paths})
    for upload in uploads:
        digest.update(b"\0file\0" + str(upload).encode() + b"\0")
        with open(upload, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


# --- the pipeline ------------------------------------------------------------------------------------------


def _plan_jobs(doc: Document, path: Path, out_dir: Path, preview: bool, allow_paths: tuple[Path, ...],
               warnings: _Problems) -> tuple[list[Problem], list[Job]]:
    problems = _Problems(_in_steps(doc))
    value = doc.value
    if not isinstance(value, dict):
        problems.add(Problem(doc.file, 1, 1, "a recipe is a mapping with 'version', 'name' and 'steps'; "
                                             "see specs/recipe.schema.json"))
        return problems.items, []
    # The whole recipe is checked once; per job only the steps whose templates gave new values are.
    found = [(at, p) for at, p in schema.check(doc, skip_templated=True) if not _under(at, doc.broken)]
    problems.extend(p for _, p in found)
    invalid = {at[1] for at, _ in found if len(at) > 1 and at[0] == "steps" and isinstance(at[1], int)}
    invalid |= {at[1] for at in doc.broken if len(at) > 1 and at[0] == "steps" and isinstance(at[1], int)}
    steps = value.get("steps")
    if not isinstance(steps, list) or not isinstance(value.get("name"), str):
        return problems.items, []
    # Defaults the schema refused are not built: typing them could fail, or carry on a value that is not
    # one (`aspect: in`) to every step that reads it; then neither says the same thing twice.
    defaults_ok = not any(at[:1] == ("defaults",) for at in [*(at for at, _ in found), *doc.broken])
    defaults = _defaults(doc, problems) if defaults_ok else model.Defaults()
    variables: dict[str, Any] = value["vars"] if isinstance(value.get("vars"), dict) else {}
    matrix: dict[str, Any] = value["matrix"] if isinstance(value.get("matrix"), dict) else {}
    size = matrix_size(matrix)
    if size > MAX_JOBS:
        problems.add(schema.locate(doc, ("matrix",), f"the matrix makes {size:,} combinations, over the "
                                                     f"limit of {MAX_JOBS:,} jobs; split it into several "
                                                     "recipes or use fewer values"))
        return problems.items, []
    if size * len(steps) > MAX_STEPS_PLANNED:
        problems.add(schema.locate(doc, ("steps",), f"{size:,} jobs × {len(steps):,} steps is more than "
                                                    f"{MAX_STEPS_PLANNED:,} steps to plan; split the recipe"))
        return problems.items, []
    work = matrix_work(matrix)
    if work > MAX_MATRIX_WORK:
        problems.add(schema.locate(doc, ("matrix",), f"the matrix's include and exclude entries would be "
                                                     f"matched {work:,} times (at most {MAX_MATRIX_WORK:,}); "
                                                     "list fewer entries, or write the values as lists"))
        return problems.items, []

    def report(at: JsonPath, message: str) -> None:
        problems.add(schema.locate(doc, at, message))

    unknown_platforms = check_platforms(matrix, report)
    combos = expand_matrix(matrix)
    if not combos:
        report(("matrix",), "every combination is excluded: no job to run")
    ids = name_jobs(value, matrix, combos, report)
    if ids is None:
        return problems.items, []
    planner = _JobPlanner(doc, path.parent, out_dir, preview, defaults, problems, warnings, allow_paths)
    templated: dict[int, tuple[str, ...] | None] = {}
    for i, step in enumerate(steps):
        if _has_template(step) and i not in invalid:
            names_used = referenced(step)
            templated[i] = None if names_used is None else tuple(sorted(names_used))
    # A step's templates depend only on the variables they name: render, check and key each distinct
    # set of values once (a 10,000-job matrix has a few thousand), not once per job.
    renders: dict[tuple[Any, ...], tuple[Any, bool, str]] = {}
    checked: dict[tuple[int, str], bool] = {}
    base_keys = [str(i) for i in range(len(steps))]
    jobs: list[Job] = []
    for combo, job_id in zip(combos, ids, strict=True):
        if str(combo.as_dict().get("platform")) in unknown_platforms:
            continue
        context = {**variables, **combo.as_dict(), "name": value["name"], "job": job_id}
        rendered = list(steps)
        keys = list(base_keys)
        broken = set(invalid)
        for index, used in templated.items():
            cache_key: tuple[Any, ...] = (
                (index, *[repr(context.get(n, _MISSING)) for n in used])
                if used is not None else (index, job_id))
            if cache_key not in renders:
                renders[cache_key] = _render_step(doc, index, steps[index], context, problems, checked)
            rendered[index], ok, keys[index] = renders[cache_key]
            if not ok:
                broken.add(index)
        # Steps with problems are left out, so the job-level checks still run on the others.
        job = planner.plan(job_id, combo, [None if i in broken else s for i, s in enumerate(rendered)], keys)
        if job is not None and not broken:
            jobs.append(job)
    planner.summarise_warnings()
    problems.items.sort(key=lambda p: (p.line, p.column))
    return problems.items, jobs


# Where a step holds free text: the schema asks only that it be non-empty text, so which text it is does not
# matter to validation, and a matrix of 10,000 export paths is validated as one.
_FREE_TEXT: dict[str, tuple[tuple[str | None, ...], ...]] = {
    "upload": ((), (None,)), "say": ((),), "use": ((),), "export": ((), ("to",)),
    "text": (("content",),), "replace": (("text",), ("with",)), "remove": (("text",),),
    "music": (("file",),),
    "expect": (("text",), ("text", None), ("clip", "readable", "text"), ("clip", "readable", None, "text")),
}


def _schema_shape(step: Any) -> Any:
    """``step`` with its free-text values reduced to what the schema can tell of them (empty or not)."""
    if not (isinstance(step, dict) and len(step) == 1):
        return step
    ((kind, value),) = step.items()
    free = _FREE_TEXT.get(kind, ())

    def walk(item: Any, at: tuple[str | None, ...]) -> Any:
        if isinstance(item, str):
            return ("x" if item else "") if at in free else item
        if isinstance(item, dict):
            return {k: walk(v, (*at, k)) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, (*at, None)) for v in item]
        return item

    return {kind: walk(value, ())}


_MISSING = object()


def _render_step(doc: Document, index: int, step: Any, context: Mapping[str, Any], problems: _Problems,
                 checked: dict[tuple[int, str], bool]) -> tuple[Any, bool, str]:
    """One templated step rendered and checked: (its value, whether it is valid, its key for caches)."""
    value, template_problems = render_tree(step, context, ("steps", index))
    for tp in template_problems:
        problems.add(schema.locate(doc, tp.path, tp.message))
    key = json.dumps(value, sort_keys=True, default=str)
    if template_problems:
        return value, False, key
    shape = (index, json.dumps(_schema_shape(value), sort_keys=True, default=str))
    if shape not in checked:
        found = [(at, p) for at, p in schema.check_step(doc, index, value) if not _under(at, doc.broken)]
        problems.extend(p for _, p in found)
        checked[shape] = not found
    return value, checked[shape], key


def _in_steps(doc: Document) -> list[Problem]:
    """The loader's problems (a tag, a control character), each naming its step and field as the later
    ones do; the loader knows where a value is, not yet what it is."""
    if not doc.problems:
        return []
    paths = {mark: path for path, mark in doc.marks.items()}  # the deepest value wins a shared mark
    return [schema.locate(doc, paths[(p.line, p.column)], p.message) if (p.line, p.column) in paths else p
            for p in doc.problems]


def _renumbered(action: Action, number: int) -> Action:
    return dataclasses.replace(action, where=dataclasses.replace(action.where, step_index=number))


def _has_template(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_template(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_template(v) for v in value)
    return schema.is_templated(value)


def _under(path: JsonPath, roots: frozenset[JsonPath]) -> bool:
    return any(path[:len(root)] == root for root in roots)


class _Problems:
    """Problems in order of discovery, without the repeats that the same mistake makes in every job."""

    def __init__(self, initial: list[Problem]) -> None:
        self.items: list[Problem] = []
        self._seen: set[tuple[int, int, str]] = set()
        self.extend(initial)

    def add(self, problem: Problem) -> None:
        key = (problem.line, problem.column, problem.message)
        if key not in self._seen:
            self._seen.add(key)
            self.items.append(problem)

    def extend(self, problems: Sequence[Problem] | Any) -> None:
        for problem in problems:
            self.add(problem)


def _defaults(doc: Document, problems: _Problems) -> model.Defaults:
    raw = doc.value.get("defaults")
    if not isinstance(raw, dict):
        return model.Defaults()
    try:
        return model.build_defaults(raw)
    except model.InvalidValue as exc:
        problems.add(schema.locate(doc, ("defaults", *exc.path), exc.message))
    return model.Defaults()


@dataclass
class _JobState:
    """What a job has done so far, for the checks only a sequence of steps can make."""

    images: list[str] = field(default_factory=list)  # uploaded image file names, in order
    audio: list[str] = field(default_factory=list)
    platform: Platform | None = None
    aspect: str | None = None  # the ratio asked for so far (None: the API's 9:16 canvas)
    duration_ms: int | None = None
    exports: int = 0
    warnings: list[str] = field(default_factory=list)
    texts: list[tuple[model.TextStep, JsonPath]] = field(default_factory=list)  # on screen, and where written
    pictures: dict[str, tuple[Path, JsonPath]] = field(default_factory=dict)  # name → file, where uploaded
    active: tuple[Path, JsonPath] | None = None  # the picture the next motion and export apply to
    motion: model.MotionStep | None = None  # the active picture's camera move


class _JobPlanner:
    def __init__(self, doc: Document, base: Path, out_dir: Path, preview: bool, defaults: model.Defaults,
                 problems: _Problems, warnings: _Problems, allow_paths: tuple[Path, ...] = ()) -> None:
        self.doc = doc
        self.base = base
        self.roots = tuple(dict.fromkeys(p.resolve() for p in (base, *allow_paths)))
        self.out_dir = out_dir
        self.preview = preview
        self.defaults = defaults
        self.problems = problems
        self.warnings = warnings  # what will look bad but can run (a picture enlarged too much)
        # (picture, where uploaded) → the most it is enlarged past the limit, and in how many exports.
        self.upscales: dict[tuple[Path, JsonPath], tuple[render_checks.Upscaled, int]] = {}
        self.dests: dict[str, str] = {}  # export destination (relative to --out) → the job that writes it
        self.checked: dict[Path, str | None] = {}  # media checks, once per file for the whole recipe
        self.built: dict[tuple[int, str], model.Step | model.InvalidValue] = {}  # steps, once per value
        self.resolved: dict[str, Path] = {}
        self.nearby: list[str] | None = None  # files a misspelt upload may have meant, looked for once
        self.uploads: dict[str, tuple[str | None, Path | None]] = {}  # as written → (problem, file)
        self.leading: dict[str, list[Action]] = {}  # the defaults' actions, per matrix platform
        self.says: dict[tuple[int, str], Say] = {}  # one Say per distinct step value
        self.numbered: dict[tuple[int, int], list[Action]] = {}
        self.wheres: dict[int, tuple[JsonPath, Where]] = {}
        self.upload_actions: dict[tuple[Path, ...], Upload] = {}
        self.out_abs = out_dir.absolute()
        self.escapes: dict[Path, str | None] = {}  # export folders → the link that leads out of --out

    def _problem(self, path: JsonPath, message: str) -> None:
        self.problems.add(schema.locate(self.doc, path, message))

    def plan(self, job_id: str, combo: Combination, steps: Sequence[Any], keys: Sequence[str]) -> Job | None:
        """The job's actions, or ``None`` if a problem was found (it is recorded).

        ``keys[i]`` identifies step i's rendered value: equal keys, equal steps (built and compiled once).
        """
        before = len(self.problems.items)
        params = combo.as_dict()
        preset = PLATFORMS.get(str(params.get("platform", "")))
        state = _JobState(platform=preset or self.defaults.platform, duration_ms=self.defaults.duration_ms)
        actions: list[Action] = []
        leading = self._leading_once(preset, params.get("platform"), state)
        clip = ClipFold()
        clip_at: JsonPath | None = None  # an expect: clip: waiting for its export
        for index, raw in enumerate(steps):
            if raw is None:
                continue
            at, where = self._where(index, raw)
            built = self._build(index, raw, keys[index])
            if isinstance(built, model.InvalidValue):
                self._problem((*at, *built.path), built.message)
                continue
            had_image = bool(state.images)
            planned = self._actions(built, at, where, state, job_id, (index, keys[index]))
            if raw.get(model.ALLOW_NOOP) is True:
                planned = [replace(a, allow_noop=True) if isinstance(a, Say | Upload) else a for a in planned]
            for action in planned:
                if isinstance(action, Upload):
                    clip.upload(action.paths)
                elif isinstance(action, Export):
                    action = replace(action, asked=clip.asked(action))
                    clip_at = None
                else:
                    clip.step(built, where, len(actions) + 1)
                actions.append(action)
            if isinstance(built, model.ExpectStep) and built.clip is not None:
                clip_at = (*at, "clip")
            if leading and state.images and not had_image:
                # The defaults apply to the first image: they are part of the step that uploaded it, and
                # numbered so ("step 1 (defaults)"), as the user counts the recipe's steps.
                actions.extend(self._numbered(leading, index + 1))
                for step in self._leading_steps(preset):
                    clip.step(step, where, len(actions))
                leading = []
        if clip_at is not None:
            self._problem(clip_at, "'clip:' asserts on the clip of the next export, but no export follows; "
                                   "add an 'export:' step after it")
        if len(self.problems.items) > before:
            return None
        return Job(id=job_id, params={k: str(v) for k, v in params.items()}, actions=tuple(actions),
                   warnings=tuple(dict.fromkeys(state.warnings)))

    def summarise_warnings(self) -> None:
        """One located warning per upload place: the most its picture is enlarged, and how often."""
        for (_, at), (worst, exports) in self.upscales.items():
            more = f" ({exports} exports enlarge it too much: `motionctl plan` lists them)" * (exports > 1)
            self.warnings.add(replace(schema.locate(self.doc, at, worst.message + more), severity="warning"))

    def _where(self, index: int, raw: Any) -> tuple[JsonPath, Where]:
        """The step's path and Where (a step's kind is a key, never templated: one per index)."""
        if index not in self.wheres:
            kind = next(k for k in raw if k != model.ALLOW_NOOP)
            at: JsonPath = ("steps", index, kind)
            line, column = self.doc.key_mark(at)
            self.wheres[index] = (at, Where(self.doc.file, line, column, index + 1, kind))
        return self.wheres[index]

    def _build(self, index: int, raw: Any, value_key: str) -> model.Step | model.InvalidValue:
        key = (index, value_key)
        if key not in self.built:
            try:
                kind = next(k for k in raw if k != model.ALLOW_NOOP)
                self.built[key] = model.build_step({kind: raw[kind]}, self.defaults)
            except model.InvalidValue as exc:
                self.built[key] = exc
        return self.built[key]

    def _numbered(self, leading: list[Action], number: int) -> list[Action]:
        key = (id(leading), number)
        if key not in self.numbered:
            self.numbered[key] = [_renumbered(a, number) for a in leading]
        return self.numbered[key]

    def _leading_once(self, preset: Platform | None, platform: object, state: _JobState) -> list[Action]:
        key = str(platform)
        if key not in self.leading:
            self.leading[key] = self._leading(preset, platform, state)
        elif self.defaults.duration_ms:
            self._check_cap(("defaults", "duration"), self.defaults.duration_ms, state)
        return self.leading[key]

    def _leading(self, preset: Platform | None, platform: object, state: _JobState) -> list[Action]:
        """The defaults (or the matrix's platform) as Say actions, sent right after the first image upload."""
        says: list[Action] = []
        aspect = preset.aspect if preset else self.defaults.aspect
        if aspect:
            source: JsonPath = ("defaults", "aspect")
            if preset:
                listed = self.doc.value.get("matrix", {}).get("platform")
                index = listed.index(platform) if isinstance(listed, list) and platform in listed else None
                source = ("matrix", "platform") if index is None else ("matrix", "platform", index)
            line, column = self.doc.mark(source)
            state.aspect = aspect
            step = model.AspectStep(aspect, preset or self.defaults.platform)
            says.append(Say(compile_step(step), Where(self.doc.file, line, column, 0, "defaults"),
                            effect=effect_of(step)))
        if self.defaults.duration_ms:
            line, column = self.doc.mark(("defaults", "duration"))
            self._check_cap(("defaults", "duration"), self.defaults.duration_ms, state)
            duration = model.DurationStep(self.defaults.duration_ms)
            says.append(Say(compile_step(duration), Where(self.doc.file, line, column, 0, "defaults"),
                            effect=effect_of(duration)))
        return says

    def _leading_steps(self, preset: Platform | None) -> list[model.Step]:
        """The defaults' aspect and duration as steps (what the leading sentences ask of the clip)."""
        aspect = preset.aspect if preset else self.defaults.aspect
        steps: list[model.Step] = []
        if aspect:
            steps.append(model.AspectStep(aspect, preset or self.defaults.platform))
        if self.defaults.duration_ms:
            steps.append(model.DurationStep(self.defaults.duration_ms))
        return steps

    def _check_cap(self, at: JsonPath, ms: int, state: _JobState) -> None:
        cap = state.platform.max_ms if state.platform else None
        if state.platform and cap is not None and ms > cap:
            self._problem(at, f"{seconds(ms)} is longer than {state.platform.name} takes "
                              f"({seconds(cap)} at most); shorten it or use another platform")

    def _actions(self, step: model.Step, at: JsonPath, where: Where, state: _JobState,
                 job_id: str, key: tuple[int, str]) -> list[Action]:
        match step:
            case model.UploadStep():
                return self._upload(step, at, where, state)
            case model.ExpectStep():
                return [Expect(Expectation(
                    tracks=dict(step.tracks) if step.tracks is not None else None,
                    duration_ms=step.duration_ms, texts=step.texts, aspect=step.aspect, volume=step.volume,
                    motion=dict(step.motion) if step.motion is not None else None), where)]
            case model.ExportStep():
                return self._export(step, at, where, state, job_id)
            case model.MotionStep() | model.UseStep() if not state.images:
                self._problem(at, f"'{step.kind}' before any image upload; add an 'upload:' step above it")
                return []
            case model.UseStep(name=name) if name not in state.images:
                hint = schema.did_you_mean(name, state.images) or f" (uploaded: {', '.join(state.images)})"
                self._problem(at, f"no image named '{name}' was uploaded before this step{hint}")
                return []
            case model.MusicStep(file=str() as name) if name not in state.audio:
                known = state.audio or ["none"]
                hint = schema.did_you_mean(name, state.audio) or f" (uploaded audio: {', '.join(known)})"
                self._problem((*at, "file"),
                              f"no audio file named '{name}' was uploaded before this step{hint}")
                return []
            case model.AspectStep(platform=platform, ratio=ratio):
                state.platform, state.aspect = platform, ratio
                if platform and state.duration_ms:
                    self._check_cap(at, state.duration_ms, state)
            case model.DurationStep(ms=ms):
                state.duration_ms = ms
                self._check_cap(at, ms, state)
            case model.TextStep(start_ms=start) if start >= (state.duration_ms or start + 1):
                end = seconds(state.duration_ms or 0)
                self._problem((*at, "at"), f"the text starts at {seconds(start)}, after the end of the {end} "
                                           "clip; start it earlier")
                return []
            case model.TextStep(position=(x, y), keep_safe=True) if not (
                    zone := safe_zone(state.platform, state.aspect)).contains(x / 100, y / 100):
                self._problem((*at, "position"),
                              f"{{x: {number(x)}, y: {number(y)}}} is outside the safe zone of {zone.label} "
                              f"({zone.describe()}), where the platform's interface covers text; move it "
                              "inside, or add keep_safe: false to place it there anyway")
                return []
            case model.TextStep() if (refused := render_checks.text_problem(step, state.platform,
                                                                             state.aspect)):
                self._problem((*at, refused[0]), refused[1])
                return []
            case model.TextStep():
                state.texts.append((step, at))
            case model.RemoveStep(what="text", text=content):
                state.texts = [(t, a) for t, a in state.texts if content is not None and t.content != content]
            case model.ReplaceStep(old=old, new=new):
                state.texts = [(replace(t, content=new) if t.content == old else t, a)
                               for t, a in state.texts]
            case model.MotionStep():
                state.motion = step
            case model.RemoveStep(what="motion"):
                state.motion = None
            case model.UseStep(name=name):  # the camera move stays (specs/instructions.md, like ClipFold)
                state.active = state.pictures.get(name)
        if key not in self.says:
            sentence = compile_step(step)
            if len(sentence) > MAX_TEXT:
                self._problem(at, f"the step sends a sentence of {len(sentence):,} characters, over the "
                                  f"{MAX_TEXT:,} one instruction may have; shorten its text")
                return []
            self.says[key] = Say(sentence, where, free_text=isinstance(step, model.SayStep),
                                 effect=effect_of(step), uploads=uploads_quoted(step))
        return [self.says[key]]

    def _upload(self, step: model.UploadStep, at: JsonPath, where: Where, state: _JobState) -> list[Action]:
        paths: list[Path] = []
        listed = isinstance(_raw(self.doc, at), list)
        for i, written in enumerate(step.paths):
            path_at: JsonPath = (*at, i) if listed else at
            if written not in self.uploads:
                self.uploads[written] = self._check_upload(written)
            error, resolved = self.uploads[written]
            if resolved is not None:
                audio = resolved.suffix.lower() in AUDIO_SUFFIXES
                # A failed upload's name still counts as uploaded, so later steps that use it are not
                # reported a second time for the same mistake.
                (state.audio if audio else state.images).append(resolved.name)
                if not audio:  # an upload makes the new picture the active one, still
                    state.pictures[resolved.name] = state.active = (resolved, path_at)
                    state.motion = None
            if error:
                self._problem(path_at, error)
                continue
            assert resolved is not None
            paths.append(resolved)
        if not paths:
            return []
        key = tuple(paths)
        if key not in self.upload_actions or self.upload_actions[key].where != where:
            self.upload_actions[key] = Upload(key, where)
        return [self.upload_actions[key]]

    def _check_upload(self, written: str) -> tuple[str | None, Path | None]:
        """(the problem with an upload's path, or None; the file it names, if it names one)."""
        bad_name = _bad_name(written)
        if bad_name:
            return f"upload '{_shown(written)}': {bad_name}", None
        resolved = self._resolve(written)
        if resolved not in self.checked:
            self.checked[resolved] = (self._check_place(written, resolved)
                                      or self._check_media(written, resolved))
        return self.checked[resolved], resolved

    def _resolve(self, written: str) -> Path:
        if written not in self.resolved:
            self.resolved[written] = (self.base / os.path.expanduser(written)).resolve()
        return self.resolved[written]

    def _check_place(self, written: str, resolved: Path) -> str | None:
        """Uploads stay inside the recipe's folder (or an --allow-path one): a recipe from someone else's
        repository must not send the user's other files to a server."""
        if any(resolved.is_relative_to(root) for root in self.roots):
            return None
        return (f"'{written}' is outside the recipe's folder ({self.roots[0]}); move the file next to the "
                "recipe, or pass --allow-path DIR to allow its folder")

    def _check_media(self, written: str, path: Path) -> str | None:
        allowed = media.IMAGES | media.AUDIO
        if not path.exists():
            nearby = self._nearby_files()
            # The same name elsewhere (another folder, other capitals) first, then the closest spelling.
            name = written.replace("\\", "/").rsplit("/", 1)[-1].lower()
            same = [f for f in nearby if f.rsplit("/", 1)[-1].lower() == name]
            hint = (f", did you mean '{same[0]}'?" if same else schema.did_you_mean(written, nearby)) or \
                "; check the path"
            return f"'{written}': no such file{hint} (relative paths start at the recipe)"
        try:
            kind = media.check_upload(path, allowed)
            media.verify_decodes(path, kind)
        except MediaError as exc:
            # Located at the recipe's line already: the path as written says which file, not an absolute one.
            message = exc.message.replace(f"{path}: ", f"'{written}': ", 1)
            return message + (f"; {exc.hint}" if exc.hint else "")
        return None

    def _nearby_files(self) -> list[str]:
        """Files in the recipe's folder and the folders in it (a bounded look), as an upload would name them:
        what a misspelt upload most likely meant."""
        if self.nearby is None:
            self.nearby = []
            with contextlib.suppress(OSError):
                for top in sorted(os.scandir(self.base), key=lambda e: e.name)[:_NEARBY_LIMIT]:
                    if top.is_file():
                        self.nearby.append(top.name)
                    elif top.is_dir() and not top.name.startswith("."):
                        with contextlib.suppress(OSError):
                            inner = sorted(e.name for e in os.scandir(top.path) if e.is_file())
                            self.nearby += [f"{top.name}/{name}" for name in inner[:_NEARBY_LIMIT]]
        return self.nearby

    def _export(self, step: model.ExportStep, at: JsonPath, where: Where, state: _JobState,
                job_id: str) -> list[Action]:
        if not state.images:
            self._problem(at, "'export' before any image upload; add an 'upload:' step above it")
            return []
        state.exports += 1
        to_at: JsonPath = (*at, "to") if isinstance(_raw(self.doc, at), dict) else at
        fmt, relative, error = _destination(step, job_id, state.exports)
        if error:
            self._problem(to_at, error)
            return []
        if relative in self.dests:
            self._problem(to_at, f"export '{relative}' is also written by job {self.dests[relative]}; put "
                                 "{{ job }} or a matrix value in 'to:'")
            return []
        self.dests[relative] = job_id
        for text, text_at in state.texts:  # the frame may have changed since (a later aspect step)
            if refused := render_checks.text_problem(text, state.platform, state.aspect):
                self._problem((*text_at, refused[0]), refused[1])
        if state.active is not None:
            found = render_checks.upscaled(state.active[0], state.aspect, state.platform, step.resolution,
                                           state.motion)
            if found:
                state.warnings.append(found.message)
                worst, exports = self.upscales.get(state.active, (found, 0))
                self.upscales[state.active] = (found if found.factor > worst.factor else worst, exports + 1)
        dest = self.out_dir / relative
        size = len(os.fsencode(self.out_abs)) + 1 + len(relative.encode())
        if size > MAX_PATH_BYTES:
            self._problem(to_at, f"export path '{_shown(relative)}': with the output folder before it, the "
                                 f"path is {size:,} bytes, longer than {MAX_PATH_BYTES:,}; shorten it or "
                                 "choose a shorter --out")
            return []
        if dest.parent not in self.escapes:
            self.escapes[dest.parent] = confined.escape(self.out_dir, dest.parent)
        if self.escapes[dest.parent]:
            self._problem(to_at, f"export '{relative}' would leave the output folder: "
                                 f"{self.escapes[dest.parent]}; remove the link or export elsewhere")
            return []
        quality, resolution = ("low", "540p") if self.preview else (step.quality, step.resolution)
        return [Export(dest, where, format=fmt, quality=quality, resolution=resolution, out_dir=self.out_dir)]


def _destination(step: model.ExportStep, job_id: str, count: int) -> tuple[str, str, str | None]:
    """The export's format and its path relative to the output folder, or an error message.

    Plain strings, not Paths: a 10,000-job matrix computes this 10,000 times.
    """
    fmt = step.format
    if step.to is None:
        fmt = fmt or "mp4"
        name = f"{job_id}.{fmt}" if count == 1 else f"{job_id}-{count}.{fmt}"
        bad_name = _bad_name(name)
        if bad_name:
            return "", "", (f"the default export name '{_shown(name)}' (from the job id): "
                            f"{bad_name}; give 'to:' a shorter path")
        return fmt, name, None
    written = step.to.replace("\\", "/")
    if written.startswith("/") or written.startswith("~") or (len(written) > 1 and written[1] == ":"):
        return "", "", (f"export path '{step.to}' is absolute; write it relative to the output "
                        "folder (--out)")
    normal = posixpath.normpath(written)
    if normal == ".." or normal.startswith("../") or normal in (".", ""):
        return "", "", (f"export path '{step.to}' leaves the output folder; remove the '..' "
                        "(paths are relative to --out)")
    bad_name = _bad_name(normal)
    if bad_name:
        return "", "", f"export path '{_shown(step.to)}': {bad_name}"
    name = normal.rsplit("/", 1)[-1]
    stem_end = name.rfind(".")
    suffix = name[stem_end + 1:].lower() if 0 < stem_end < len(name) - 1 else ""
    if suffix in EXPORT_FORMATS:
        if fmt and fmt != suffix:
            return "", "", f"'{step.to}' ends in .{suffix} but format is {fmt}; make them agree"
        return suffix, normal, None
    if suffix and suffix.isalpha() and len(suffix) <= 4:
        return "", "", (f"cannot export to a .{suffix} file; end '{step.to}' in one of "
                        f"{', '.join('.' + f for f in EXPORT_FORMATS)}")
    fmt = fmt or "mp4"
    return fmt, f"{normal}.{fmt}", None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _bad_name(text: str) -> str | None:
    """Why a file system would refuse the path ``text`` (NUL and control characters, over-long names)."""
    if _CONTROL.search(text):
        return "it contains a control character (such as NUL); remove it"
    if len(text.encode()) > MAX_PATH_BYTES:
        return f"longer than {MAX_PATH_BYTES:,} bytes; shorten it"
    for part in text.split("/"):
        if len(part.encode()) > MAX_NAME_BYTES:
            return f"the name '{_shown(part)}' is longer than {MAX_NAME_BYTES} bytes; shorten it"
    return None


def _shown(text: str) -> str:
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= 60 else text[:57] + "..."


def _raw(doc: Document, at: JsonPath) -> Any:
    value: Any = doc.value
    for part in at:
        value = value[part]
    return value


# --- what the CLI's `plan` shows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobEstimate:
    """The API calls a job will make and the credits it will likely spend (the mock's accounting)."""

    calls: Mapping[str, int]
    credits: int


# specs/instructions.md, "Credits": a session's editing costs 50, once, with its first understood instruction.
EDIT_CREDITS_PER_SESSION = 50
# specs/SOURCES.md, the anonymous token: what --backend live starts from while NEMO_TOKEN is not set.
NEW_TOKEN_CREDITS = 100


def estimate(job: Job) -> JobEstimate:
    """Count a job's API calls and credits: 50 for its session's editing if it sends any instruction, else 0
    (uploads, state and export are free).

    Free text is counted as understood: what the service makes of it is only known when it answers, so for
    a job whose every sentence is free text the estimate is an upper bound.
    """
    calls = {"create_session": 1, "upload": 0, "run_sse": 0, "state": 0, "render_submit": 0,
             "render_poll": 0, "download": 0}
    for action in job.actions:
        if isinstance(action, Upload):
            calls["upload"] += 1
            calls["state"] += 1
        elif isinstance(action, Say):
            calls["run_sse"] += 1
            calls["state"] += 1
        elif isinstance(action, Export):
            calls["state"] += 1  # the draft the render request carries
            calls["render_submit"] += 1
            calls["render_poll"] += 1  # at least
            calls["download"] += 1
    return JobEstimate(calls, EDIT_CREDITS_PER_SESSION if calls["run_sse"] else 0)
