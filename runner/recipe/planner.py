"""A recipe file → a ``Plan``: load, validate, expand, type, compile; every problem collected, then raised.

This is the only module of the recipe side that touches files beyond the recipe itself (the media checks
and the hash). The order matters for messages: schema problems of the raw recipe first (templated strings
are skipped there), then per job the template and schema problems of the expanded steps, then what only a
whole job can tell (uploads exist, names refer to uploads, duration caps, export paths).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from runner import media
from runner.actions import DEFAULT_OUT_DIR, Action, Expect, Expectation, Export, Job, Plan, Say, Upload, Where
from runner.errors import MediaError, Problem, RecipeError, RecipeLoadError, RecipeValidationError
from runner.recipe import model, schema
from runner.recipe.compiler import compile_step, effect_of, number, seconds, uploads_quoted
from runner.recipe.expand import Combination, expand_matrix, job_ids
from runner.recipe.loader import Document, JsonPath, read_recipe
from runner.recipe.presets import AUDIO_SUFFIXES, PLATFORMS, Platform, safe_zone
from runner.recipe.templates import render_tree

EXPORT_FORMATS = ("mp4", "webm", "mov", "gif")


def load_plan(path: Path, out_dir: Path = DEFAULT_OUT_DIR, preview: bool = False) -> Plan:
    """Load, validate and expand the recipe at ``path`` into the jobs the engine runs.

    Args:
        path: the recipe file; image paths in it are relative to its folder.
        out_dir: where exports land (default ``out``); an export's ``to:`` may not leave it.
        preview: render every export at quality low, 540p.

    Raises:
        RecipeLoadError: the file is unreadable or not YAML (located at the syntax error).
        RecipeValidationError: every problem found, each located as file:line:col.
    """
    data, doc = read_recipe(path)
    problems, jobs = _plan_jobs(doc, path, out_dir, preview)
    if problems:
        raise RecipeValidationError(problems)
    name = str(doc.value["name"])
    return Plan(name=name, recipe_path=path, recipe_hash=recipe_hash(data, jobs), jobs=tuple(jobs))


def load_all(recipes: Sequence[Path], out_dir: Path, *,
             preview: bool = False) -> tuple[list[tuple[Path, Plan]], RecipeError | None]:
    """Load every recipe: the good ones' plans, and one error holding every problem of the others."""
    plans: list[tuple[Path, Plan]] = []
    problems: list[Problem] = []
    unreadable: list[str] = []
    for recipe in recipes:
        try:
            plans.append((recipe, load_plan(recipe, out_dir=out_dir, preview=preview)))
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


def _plan_jobs(doc: Document, path: Path, out_dir: Path, preview: bool) -> tuple[list[Problem], list[Job]]:
    problems = _Problems(list(doc.problems))
    value = doc.value
    if not isinstance(value, dict):
        problems.add(Problem(doc.file, 1, 1, "a recipe is a mapping with 'version', 'name' and 'steps'; "
                                             "see specs/recipe.schema.json"))
        return problems.items, []
    problems.extend(schema.validate(doc, skip_templated=True))
    steps = value.get("steps")
    if not isinstance(steps, list) or not isinstance(value.get("name"), str):
        return problems.items, []
    defaults = _defaults(doc, problems)
    variables: dict[str, Any] = value["vars"] if isinstance(value.get("vars"), dict) else {}
    matrix: dict[str, Any] = value["matrix"] if isinstance(value.get("matrix"), dict) else {}
    combos = expand_matrix(matrix)
    if not combos:
        problems.add(schema.locate(doc, ("matrix",), "every combination is excluded: no job to run"))
    ids = job_ids(value["name"], combos)
    planner = _JobPlanner(doc, path.parent, out_dir, preview, defaults, problems)
    jobs: list[Job] = []
    for combo, job_id in zip(combos, ids, strict=True):
        context = {**variables, **combo.as_dict(), "name": value["name"], "job": job_id}
        rendered, template_problems = render_tree(steps, context, ("steps",))
        for tp in template_problems:
            problems.add(schema.locate(doc, tp.path, tp.message))
        failed = {tp.path for tp in template_problems}
        found = [(at, p) for at, p in schema.check(doc, {**value, "steps": rendered})
                 if not any(at[:len(f)] == f for f in failed)]
        problems.extend(p for _, p in found)
        # Steps with problems are left out, so the job-level checks still run on the others.
        broken = {at[1] for at, _ in [*found, *((tp.path, None) for tp in template_problems)]
                  if len(at) > 1 and at[0] == "steps"}
        job = planner.plan(job_id, combo, [None if i in broken else s for i, s in enumerate(rendered)])
        if job is not None and not broken:
            jobs.append(job)
    problems.items.sort(key=lambda p: (p.line, p.column))
    return problems.items, jobs


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
    except (KeyError, TypeError, ValueError, AttributeError):
        pass  # the schema has already reported what is wrong with them
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


class _JobPlanner:
    def __init__(self, doc: Document, base: Path, out_dir: Path, preview: bool, defaults: model.Defaults,
                 problems: _Problems) -> None:
        self.doc = doc
        self.base = base
        self.out_dir = out_dir
        self.preview = preview
        self.defaults = defaults
        self.problems = problems
        self.dests: dict[Path, str] = {}  # export destination → the job that writes it
        self.checked: dict[Path, str | None] = {}  # media checks, once per file for the whole recipe

    def _problem(self, path: JsonPath, message: str) -> None:
        self.problems.add(schema.locate(self.doc, path, message))

    def plan(self, job_id: str, combo: Combination, steps: Sequence[Any]) -> Job | None:
        """The job's actions, or ``None`` if a problem was found (it is recorded)."""
        before = len(self.problems.items)
        params = combo.as_dict()
        preset = PLATFORMS.get(str(params.get("platform", "")))
        state = _JobState(platform=preset or self.defaults.platform, duration_ms=self.defaults.duration_ms)
        actions: list[Action] = []
        leading = self._leading(preset, params.get("platform"), state)
        for index, raw in enumerate(steps):
            if raw is None:
                continue
            kind = next(k for k in raw if k != model.ALLOW_NOOP)
            at: JsonPath = ("steps", index, kind)
            line, column = self.doc.key_mark(at)
            where = Where(self.doc.file, line, column, index + 1, kind)
            try:
                step = model.build_step({kind: raw[kind]}, self.defaults)
            except model.InvalidValue as exc:
                self._problem((*at, *exc.path), exc.message)
                continue
            had_image = bool(state.images)
            planned = self._actions(step, at, where, state, job_id)
            if raw.get(model.ALLOW_NOOP) is True:
                planned = [replace(a, allow_noop=True) if isinstance(a, Say | Upload) else a for a in planned]
            actions.extend(planned)
            if leading and state.images and not had_image:
                actions.extend(leading)  # the defaults apply to the first image
                leading = []
        if len(self.problems.items) > before:
            return None
        return Job(id=job_id, params={k: str(v) for k, v in params.items()}, actions=tuple(actions))

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

    def _check_cap(self, at: JsonPath, ms: int, state: _JobState) -> None:
        cap = state.platform.max_ms if state.platform else None
        if state.platform and cap is not None and ms > cap:
            self._problem(at, f"{seconds(ms)} is longer than {state.platform.name} takes "
                              f"({seconds(cap)} at most); shorten it or use another platform")

    def _actions(self, step: model.Step, at: JsonPath, where: Where, state: _JobState,
                 job_id: str) -> list[Action]:
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
        return [Say(compile_step(step), where, free_text=isinstance(step, model.SayStep),
                    effect=effect_of(step), uploads=uploads_quoted(step))]

    def _upload(self, step: model.UploadStep, at: JsonPath, where: Where, state: _JobState) -> list[Action]:
        paths: list[Path] = []
        for i, written in enumerate(step.paths):
            listed = isinstance(_raw(self.doc, at), list)
            path_at: JsonPath = (*at, i) if listed else at
            resolved = (self.base / os.path.expanduser(written)).resolve()
            if resolved not in self.checked:
                self.checked[resolved] = self._check_media(resolved)
            error = self.checked[resolved]
            if error:
                self._problem(path_at, error)
                continue
            paths.append(resolved)
            (state.audio if resolved.suffix.lower() in AUDIO_SUFFIXES else state.images).append(resolved.name)
        return [Upload(tuple(paths), where)] if paths else []

    @staticmethod
    def _check_media(path: Path) -> str | None:
        allowed = media.IMAGES | media.AUDIO
        try:
            media.check_upload(path, allowed)
        except MediaError as exc:
            return _without_path(exc.message, path) + (f"; {exc.hint}" if exc.hint else "")
        return None

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
        dest = self.out_dir / relative
        if dest in self.dests:
            self._problem(to_at, f"export '{relative}' is also written by job {self.dests[dest]}; put "
                                 "{{ job }} or a matrix value in 'to:'")
            return []
        self.dests[dest] = job_id
        quality, resolution = ("low", "540p") if self.preview else (step.quality, step.resolution)
        return [Export(dest, where, format=fmt, quality=quality, resolution=resolution)]


def _destination(step: model.ExportStep, job_id: str, count: int) -> tuple[str, PurePosixPath, str | None]:
    """The export's format and its path relative to the output folder, or an error message."""
    fmt = step.format
    if step.to is None:
        fmt = fmt or "mp4"
        name = f"{job_id}.{fmt}" if count == 1 else f"{job_id}-{count}.{fmt}"
        return fmt, PurePosixPath(name), None
    written = step.to.replace("\\", "/")
    if written.startswith("/") or written.startswith("~") or (len(written) > 1 and written[1] == ":"):
        return "", PurePosixPath(), (f"export path '{step.to}' is absolute; write it relative to the output "
                                     "folder (--out)")
    normal = PurePosixPath(os.path.normpath(written).replace("\\", "/"))
    if normal.parts[:1] == ("..",) or str(normal) in (".", ""):
        return "", PurePosixPath(), (f"export path '{step.to}' leaves the output folder; remove the '..' "
                                     "(paths are relative to --out)")
    suffix = normal.suffix.lower().lstrip(".")
    if suffix in EXPORT_FORMATS:
        if fmt and fmt != suffix:
            return "", PurePosixPath(), f"'{step.to}' ends in .{suffix} but format is {fmt}; make them agree"
        return suffix, normal, None
    if suffix and suffix.isalpha() and len(suffix) <= 4:
        return "", PurePosixPath(), (f"cannot export to a .{suffix} file; end '{step.to}' in one of "
                                     f"{', '.join('.' + f for f in EXPORT_FORMATS)}")
    fmt = fmt or "mp4"
    return fmt, normal.with_name(f"{normal.name}.{fmt}"), None


def _raw(doc: Document, at: JsonPath) -> Any:
    value: Any = doc.value
    for part in at:
        value = value[part]
    return value


def _without_path(message: str, path: Path) -> str:
    # The problem is already located at the recipe's line; the absolute path only adds noise there,
    # but the name of the file stays so the user sees which one.
    return message.replace(f"{path}: ", f"'{path.name}': ", 1)


# --- what the CLI's `plan` shows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobEstimate:
    """The API calls a job will make and the credits it will likely spend (the mock's accounting)."""

    calls: Mapping[str, int]
    credits: int


def estimate(job: Job) -> JobEstimate:
    """Count a job's API calls and credits: generation 100 per image animated, 50 once for any other edit.

    Free text is counted as an edit: what the service makes of it is only known when it answers.
    """
    calls = {"create_session": 1, "upload": 0, "run_sse": 0, "state": 0, "render_submit": 0,
             "render_poll": 0, "download": 0}
    generations = 0
    edited = False
    animated: set[str] = set()
    active: str | None = None
    for action in job.actions:
        if isinstance(action, Upload):
            calls["upload"] += 1
            calls["state"] += 1
            images = [p.name for p in action.paths if p.suffix.lower() not in AUDIO_SUFFIXES]
            if images:
                active = images[-1]
                animated.discard(active)  # a new upload resets its motion: animating it again generates
        elif isinstance(action, Say):
            calls["run_sse"] += 1
            calls["state"] += 1
            if action.where.step_kind == "motion" and active is not None and active not in animated:
                generations += 1
                animated.add(active)
            elif action.where.step_kind == "use":
                name = action.sentence.removeprefix('Use the image "').removesuffix('".')
                active = name.replace('\\"', '"')
            else:
                edited = True
        elif isinstance(action, Export):
            calls["state"] += 1  # the draft the render request carries
            calls["render_submit"] += 1
            calls["render_poll"] += 1  # at least
            calls["download"] += 1
    return JobEstimate(calls, 100 * generations + (50 if edited else 0))
