"""``run_recipe``: the library entry point behind ``motionctl run`` — load, run, journal, check goldens.

A run lives in ``<runs-dir>/<run-id>/``: ``journal.jsonl`` (every step, as it happens), ``events.jsonl``,
``states/<job>/<n>.json`` and ``summary.json`` (written at the end). Outputs go to the recipe's export paths
under ``--out``.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from . import golden
from .actions import DEFAULT_OUT_DIR, Export, Plan, Say
from .backend import Backend, BackendKind, CassetteUse, open_backend
from .claims import claimed
from .engine import Engine, EngineOptions, JobOutcome
from .errors import RunnerError, UsageError
from .events import Reporter, Reporters, RunFinished, RunInterrupted, RunStarted, Waiting
from .journal import Journal, RunRecord, fold, read_for_resume, read_journal
from .qc import DEFAULT_LEVEL, LEVELS, Level, Options
from .reporting.jsonl import JsonlReporter
from .reporting.runs import journaled_path

if TYPE_CHECKING:
    from .api import NemoClient
    from .cassette import Cassette
    from .recipe.select import Selection


@dataclass(frozen=True)
class RunConfig:
    """Everything ``run_recipe`` needs; the CLI builds one from its options.

    Args:
        recipe: the recipe file.
        backend: ``mock`` (the embedded mock unless ``base_url``) or ``live``; ``None``: ``mock``, or on
            resume the backend the run was made on.
        base_url: a server to talk to instead of the default for ``backend`` (on resume, the run's).
        out_dir: where export paths are rooted (default ``out``); a resumed run keeps its own.
        runs_dir: where run directories are made.
        concurrency: jobs at once (``None``: the backend's choice, ``Backend.concurrency``).
        check: compare the run's normalised diffs with the recipe's golden file.
        update: write the golden file.
        resume: an earlier run directory to continue.
        preview: small, fast renders (the recipe side lowers the export resolution).
        fail_fast: stop the run (running jobs too) at the first failed job.
        rate: API calls per second over all jobs (``None``: no limit of our own).
        render_timeout: seconds a render may take before it is cancelled (``None``: the client's deadline).
        credit_check: refuse (exit 2) before the first step when the plan's estimate exceeds the balance.
        max_wait: the longest wait (a 429's Retry-After) worth sitting through, in seconds; a longer one
            fails at once (``None``: the client's default, ``ClientConfig.max_wait``).
        reporters: who hears the engine's events.
        env: the environment to read ``NEMO_TOKEN``/``NEMO_BASE_URL`` from (default ``os.environ``).
        mock_overrides: ``MockConfig`` fields for the embedded mock (tests, benchmarks).
        client_overrides: ``ClientConfig`` fields (tests: short backoffs, so a fault matrix runs in seconds).
        allow_paths: folders besides the recipe's that uploads may come from (``--allow-path``).
        select: only these jobs (``--job``, ``--shard``; runner/recipe/select.py).
        jobs: run only the jobs with these ids (the pytest plugin runs one job per test item).
        keep_urls: keep CDN and other capability links whole in the journal and states (``--keep-urls``);
            by default their unguessable parts are redacted (runner/journal.py, ``redact_links``).
        record: write the run's HTTP exchanges to this cassette (HAR 1.2) when it ends.
        replay: answer every call from this cassette instead: no server, no network.
        replayed: ``replay``'s cassette, when the caller has read it already (its age, its render size): a
            big cassette is parsed once, not once per check.
        qc: the clip check at each export (docs/clip-qc.md): fast (the default), full or off; ``None``:
            the default, or on resume the run's own.
    """

    recipe: Path
    backend: BackendKind | None = None
    base_url: str | None = None
    out_dir: Path = DEFAULT_OUT_DIR
    runs_dir: Path = Path("runs")
    concurrency: int | None = None
    check: bool = False
    update: bool = False
    resume: Path | None = None
    preview: bool = False
    fail_fast: bool = False
    rate: float | None = None
    render_timeout: float | None = None
    credit_check: bool = True
    max_wait: float | None = None
    reporters: Sequence[Reporter] = ()
    env: Mapping[str, str] | None = field(default=None, repr=False)
    mock_overrides: Mapping[str, object] | None = None
    client_overrides: Mapping[str, object] | None = None
    allow_paths: tuple[Path, ...] = ()
    select: Selection | None = None
    jobs: tuple[str, ...] | None = None
    keep_urls: bool = False
    record: Path | None = None
    replay: Path | None = None
    replayed: Cassette | None = field(default=None, repr=False)
    qc: Level | None = None


class RunInterruptedError(KeyboardInterrupt):
    """Ctrl-C stopped a run after its journal existed; the reporters were told how to resume it.

    A ``KeyboardInterrupt`` still, so callers that stop on Ctrl-C keep doing so; the CLI catches this one
    to exit 130 without a second message.
    """

    def __init__(self, run_dir: Path, resume: str) -> None:
        super().__init__(resume)
        self.run_dir = run_dir
        self.resume = resume


@dataclass(frozen=True)
class RunResult:
    """What a run did. ``exit_code`` is 0 when every job finished and the golden (if checked) matched."""

    run_id: str
    run_dir: Path
    jobs: tuple[JobOutcome, ...]
    golden: golden.GoldenResult | None = None
    elapsed: float = 0.0

    @property
    def outputs(self) -> tuple[Path, ...]:
        return tuple(p for job in self.jobs for p in job.outputs)

    @property
    def failed(self) -> tuple[JobOutcome, ...]:
        return tuple(j for j in self.jobs if not j.ok)

    @property
    def ok(self) -> bool:
        return not self.failed and (self.golden is None or self.golden.outcome not in ("differs", "missing"))

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def run_recipe(config: RunConfig) -> RunResult:
    """Run a recipe end to end (blocking); see ``RunConfig`` for the options.

    Raises:
        UsageError: conflicting options, or ``--resume`` of a run whose recipe changed since.
        RecipeError: the recipe does not load or validate.
        NotEnoughCredits: the plan's estimate is more than the balance (and ``credit_check``).
        RunInterruptedError: Ctrl-C; what finished is journaled and the reporters heard how to resume.
    """
    from .recipe import (
        load_plan,  # the recipe side; imported here to keep `import runner` light
    )

    if config.check and config.update:
        raise UsageError("--check and --update exclude each other", hint="check first, update on purpose")
    if config.concurrency is not None and config.concurrency < 1:
        raise UsageError(f"--concurrency {config.concurrency} must be at least 1")
    if config.record is not None and config.replay is not None:
        raise UsageError("--record and --replay exclude each other", hint="record once, then replay")
    if config.resume is not None and (config.record or config.replay):
        raise UsageError("--resume cannot record or replay", hint="record or replay a whole run")
    record: RunRecord | None = None
    out_dir, preview = config.out_dir, config.preview
    select, allow_paths = config.select, config.allow_paths
    qc_level: Level = config.qc or DEFAULT_LEVEL
    if config.resume is not None:
        record = fold(read_for_resume(config.resume), config.resume.name)
        # The outputs, render sizes, job selection and allowed folders of the run being resumed win: its
        # files end up together, and a resumed shard does its own jobs only, not the other shards'.
        journaled_out = str(record.options.get("out_dir") or "")
        out_dir = _shown(Path(journaled_out or out_dir))
        for progress in record.jobs.values():  # paths as this directory reaches them, shown as new ones are
            progress.outputs = {i: str(_shown(journaled_path(Path(p), journaled_out)))
                                for i, p in progress.outputs.items()}
        preview = bool(record.options.get("preview", preview))
        select = select or _selection_of(record.options)
        allow_paths = allow_paths or tuple(Path(p) for p in record.options.get("allow_paths") or ())
        # The run's own clip check unless this resume names one (--qc off accepts a clip that failed it).
        journaled = record.options.get("qc")
        qc_level = config.qc or (journaled if journaled in LEVELS else DEFAULT_LEVEL)
    plan: Plan = load_plan(config.recipe, out_dir=out_dir, preview=preview, allow_paths=allow_paths,
                           select=select)
    if config.jobs is not None:
        plan = replace(plan, jobs=tuple(j for j in plan.jobs if j.id in config.jobs))
    if record is not None and record.recipe_hash != plan.recipe_hash:
        raise UsageError(f"{config.resume}: the recipe or a file it uploads changed since that run",
                         hint=f"run it afresh with `motionctl run {config.recipe}`")
    if preview:
        _refuse_to_replace_full_size_clips(plan)

    kind, base_url = _backend_of(config, record)
    env = os.environ if config.env is None else config.env
    secrets = [env.get("NEMO_TOKEN", "")]
    started = time.monotonic()
    tape = config.record or config.replay
    cassette = None if tape is None else CassetteUse(
        "record" if config.record else "replay", tape, str(config.recipe), plan.recipe_hash, preview,
        loaded=config.replayed)
    # Before any call: a run that would write another live run's clips is refused (runner/claims.py).
    dests = [a.dest for j in plan.jobs for a in j.actions if isinstance(a, Export)]
    with claimed(out_dir, dests, f"motionctl run {config.recipe}"), \
            open_backend(kind, base_url, env=config.env, mock_overrides=config.mock_overrides,
                         cassette=cassette, jobs=len(plan.jobs)) as backend:
        if config.client_overrides:
            backend = replace(backend, client=replace(backend.client, **config.client_overrides))  # type: ignore[arg-type]
        # The run directory is made once the backend is up, so a bad --base-url leaves no empty run behind.
        if config.resume is not None:
            journal = Journal(config.resume, secrets=secrets, keep_urls=config.keep_urls)
        else:
            journal = Journal.create(config.runs_dir, plan.name, secrets=secrets, keep_urls=config.keep_urls)
        reporters = Reporters([*config.reporters,
                               JsonlReporter(journal.run_dir / "events.jsonl", scrub=journal.scrub)])
        resume_command = shlex.join(["motionctl", "run", str(config.recipe), "--resume", str(journal.run_dir),
                                     *(["--backend", "live"] if backend.kind == "live" else []),
                                     *([] if backend.embedded else ["--base-url", backend.base_url])])
        if config.replay is not None:  # a replay is not resumed: it runs again, in seconds, calling nothing
            resume_command = shlex.join(["motionctl", "run", str(config.recipe),
                                         "--replay", str(config.replay)])
        if config.record is not None:  # nor is a recording: its cassette is whole or not at all (_backend_of)
            resume_command = shlex.join(["motionctl", "run", str(config.recipe),
                                         *(["--backend", "live"] if backend.kind == "live" else []),
                                         *([] if backend.embedded else ["--base-url", backend.base_url]),
                                         "--record", str(config.record)])
        concurrency = config.concurrency or backend.concurrency
        try:
            journal.add_secret(backend.client.token)
            journal.write({"type": "resume" if record else "run", "run_id": journal.run_id,
                           "recipe": str(config.recipe), "name": plan.name, "recipe_hash": plan.recipe_hash,
                           "backend": backend.description,
                           "backend_config": {"kind": backend.kind,
                                              "base_url": None if backend.embedded else backend.base_url,
                                              **_cassette_config(cassette)},
                           "options": {"out_dir": str(out_dir.absolute()), "preview": preview,
                                       "concurrency": concurrency,
                                       "render_timeout": config.render_timeout,
                                       "job_patterns": list(select.patterns) if select else [],
                                       "shard": str(select.shard) if select and select.shard else None,
                                       "allow_paths": [str(p.absolute()) for p in allow_paths],
                                       "qc": qc_level}})
            reporters.handle(RunStarted(journal.run_id, journal.run_dir, plan.name,
                                        tuple(j.id for j in plan.jobs), backend.description,
                                        resumed=record is not None))
            options = EngineOptions(concurrency=concurrency, fail_fast=config.fail_fast,
                                    rate=config.rate, resume_hint=resume_command,
                                    render_timeout=config.render_timeout, qc_level=qc_level,
                                    # The bundled moods' levels are the mock's library; live has its own.
                                    qc_options=Options(moods=backend.kind != "live"))
            # A replay spends nothing: the balance it would check is the recording's, not anyone's.
            outcomes = anyio.run(_run_plan, backend, journal, reporters, options, record, plan,
                                 config.max_wait, config.credit_check and config.replay is None)
            checked = _golden(config, plan, journal, outcomes,
                              partial=select is not None or config.jobs is not None)
            result = RunResult(journal.run_id, journal.run_dir, tuple(outcomes), checked,
                               time.monotonic() - started)
            journal.write_summary(_summary(plan, result))
            reporters.handle(RunFinished(journal.run_id, journal.run_dir, result.outputs,
                                         tuple(j.job for j in result.failed)))
            return result
        except KeyboardInterrupt:
            journal.write({"type": "run_stopped", "error": "interrupted (Ctrl-C or SIGTERM)",
                           "resume": resume_command})
            reporters.handle(RunInterrupted(journal.run_id, journal.run_dir, resume_command))
            raise RunInterruptedError(journal.run_dir, resume_command) from None
        except RunnerError as exc:  # the whole run stopped (no token, not enough credits): say why, for show
            journal.write({"type": "run_stopped", "error": str(exc)})
            raise
        finally:
            reporters.close()
            journal.close()


# --preview's renders: their short side (quality low, 540p; runner/recipe/planner.py).
_PREVIEW_SHORT_SIDE = 540


def _refuse_to_replace_full_size_clips(plan: Plan) -> None:
    """A preview writes where the full run writes; a full-size clip there is a deliverable (and its
    session's credits), so a preview never replaces one without a word: it is refused, naming them.

    Raises:
        UsageError: a preview export would replace a clip larger than a preview.
    """
    import av  # heavy; only previews over existing files need it

    replaced: list[str] = []
    for action in (a for job in plan.jobs for a in job.actions if isinstance(a, Export)):
        if not action.dest.is_file():
            continue
        try:
            with av.open(str(action.dest)) as container:
                stream = container.streams.video[0] if container.streams.video else None
                size = (stream.codec_context.width, stream.codec_context.height) if stream else (0, 0)
        except (av.error.FFmpegError, OSError):
            continue  # not a clip anyone can play: nothing of value is lost
        if min(size) > _PREVIEW_SHORT_SIDE:
            replaced.append(f"{action.dest} ({size[0]}×{size[1]})")
    if replaced:
        shown = ", ".join(replaced[:3]) + (f" and {len(replaced) - 3} more" if len(replaced) > 3 else "")
        raise UsageError(
            f"--preview writes 540p clips where the full run writes its clips, and would replace "
            f"{len(replaced)} full-size clip{'s' if len(replaced) != 1 else ''}: {shown}",
            hint="give the previews a folder of their own (--out previews), or move the full-size clips away")


def _shown(path: Path) -> Path:
    """A journaled (absolute) folder as the run that wrote it showed it: relative to the working directory
    when it lies inside, so a resume prints its new clips' paths as the first run printed the others."""
    with contextlib.suppress(ValueError):
        return path.relative_to(Path.cwd()) if path.is_absolute() else path
    return path


def _selection_of(options: Mapping[str, Any]) -> Selection | None:
    """The ``--job``/``--shard`` selection a run's journal header recorded (``None``: every job)."""
    from .recipe.select import Selection, parse_shard

    patterns = tuple(str(p) for p in options.get("job_patterns") or ())
    shard = options.get("shard")
    if not patterns and not shard:
        return None
    return Selection(patterns, parse_shard(str(shard)) if shard else None)


class NotEnoughCredits(UsageError):
    """The plan's estimate is more than the balance: refused before any step spent a credit."""


def _backend_of(config: RunConfig, record: RunRecord | None) -> tuple[BackendKind, str | None]:
    """The backend a run talks to: the options', or on resume the journal's (a different one is refused).

    Raises:
        UsageError: ``--resume`` with a backend or base URL other than the run was made on.
    """
    if record is None or not record.backend:
        return config.backend or "mock", config.base_url
    cassette = record.backend.get("cassette")
    if isinstance(cassette, dict) and cassette.get("mode") == "replay":
        tape = cassette.get("path")
        raise UsageError(f"{config.resume}: that run was a replay of {tape}",
                         hint=f"replay it again: motionctl run {config.recipe} --replay {tape}")
    kind: BackendKind = "live" if record.backend.get("kind") == "live" else "mock"
    url = record.backend.get("base_url")
    url = str(url) if url else None
    if isinstance(cassette, dict) and cassette.get("mode") == "record":
        # A cassette is written when the run that records it ends, from that process's exchanges: the
        # interrupted half's are gone, and a resume finished the clips without writing one, saying nothing.
        tape = cassette.get("path")
        live = ["--backend", "live"] if kind == "live" else []
        again = shlex.join(["motionctl", "run", str(config.recipe), *live,
                            *(["--base-url", url] if url else []), "--record", str(tape)])
        raise UsageError(f"{config.resume}: that run was recording {tape}, which a resumed run cannot "
                         "finish", hint=f"record it again: {again}")
    made_on = f"--backend {kind}" + (f" --base-url {url}" if url else " (the embedded mock)")
    hint = "resume without --backend/--base-url (the journal's are used), or start a new run"
    if config.backend is not None and config.backend != kind:
        raise UsageError(f"{config.resume}: that run was made with {made_on}, not --backend {config.backend}",
                         hint=hint)
    if config.base_url is not None and config.base_url.rstrip("/") != (url or "").rstrip("/"):
        raise UsageError(f"{config.resume}: that run was made with {made_on}, not --base-url "
                         f"{config.base_url}", hint=hint)
    return kind, url


def _cassette_config(cassette: CassetteUse | None) -> dict[str, Any]:
    """The journal header's word on a cassette: a resume must know that a run was a replay."""
    return {} if cassette is None else {"cassette": {"mode": cassette.mode, "path": str(cassette.path)}}


def _credits_needed(plan: Plan, record: RunRecord | None) -> tuple[int, int]:
    """The plan's credit estimate for the work left (all of it, unless resuming), and how many jobs."""
    from .recipe import estimate

    todo = [j for j in plan.jobs if not (record and j.id in record.jobs and record.jobs[j.id].finished)]
    # A session pays for its editing once, with its first instruction (specs/instructions.md, "Credits"):
    # a resumed job whose session already took an instruction owes nothing more.
    done = {j.id: record.jobs[j.id].done_steps for j in todo if record and j.id in record.jobs}
    paid = {j.id for j in todo
            if any(isinstance(a, Say) and i in done.get(j.id, set()) for i, a in enumerate(j.actions, 1))}
    return sum(estimate(j).credits for j in todo if j.id not in paid), len(todo)


async def _check_credits(client: NemoClient, plan: Plan, record: RunRecord | None) -> None:
    """Refuse a run whose estimated credits exceed the balance, before any step is sent."""
    needed, jobs = _credits_needed(plan, record)
    if needed <= 0:
        return
    balance = (await client.credits()).available
    if needed > balance:
        raise NotEnoughCredits(
            f"{plan.recipe_path}: this run needs about {needed} credits ({jobs} job"
            f"{'s' if jobs != 1 else ''}, as `motionctl plan` estimates) but the balance is {balance:g}",
            hint="top up or use a token with more credits (NEMO_TOKEN), run fewer jobs, or pass "
                 "--no-credit-check to start anyway")


async def _run_plan(backend: Backend, journal: Journal, reporter: Reporter, options: EngineOptions,
                    record: RunRecord | None, plan: Plan, max_wait: float | None = None,
                    credit_check: bool = False) -> list[JobOutcome]:
    from .api import NemoClient
    from .api.waits import current_subject

    def on_wait(seconds: float, reason: str) -> None:
        # The engine marks each job's task (waiting_for), so the countdown is shown on the right job.
        reporter.handle(Waiting(current_subject(), seconds, reason))

    client_config = backend.client if max_wait is None else replace(backend.client, max_wait=max_wait)
    async with NemoClient(client_config, backend.transport, sleep=backend.sleep, on_wait=on_wait) as client:
        # One token for the run, fetched before the jobs: no network or a refused token is one error for
        # the run, not the same error once per job.
        await client.ensure_token()
        if credit_check:
            await _check_credits(client, plan, record)
        engine = Engine(client, journal, reporter, options, resume=record)
        return await engine.run(plan)


def _golden(config: RunConfig, plan: Plan, journal: Journal, outcomes: list[JobOutcome], *,
            partial: bool) -> golden.GoldenResult | None:
    if not (config.check or config.update):
        return None
    path = golden.golden_path(config.recipe)
    if any(not o.ok for o in outcomes):
        # A failed job's diffs are incomplete: never enshrine them, and the failure already says why.
        return golden.GoldenResult(path, "skipped")
    jobs = [j.id for j in plan.jobs]
    text = golden.build(plan.name, jobs, read_journal(journal.run_dir))
    expected: str | None = None
    if partial:
        # Some of the recipe's jobs ran (a shard, --job): their blocks are checked or written, the others'
        # are neither missing from this run nor unused, only not this run's business.
        expected, text = golden.for_jobs(path, text, jobs, update=config.update)
    if config.update:
        return golden.GoldenResult(path, golden.write(path, text))
    if not path.exists():
        return golden.GoldenResult(path, "missing")
    diff = golden.compare(path, text) if expected is None else golden.diff_texts(path, expected, text)
    return golden.GoldenResult(path, "matches" if diff is None else "differs", diff)


def _summary(plan: Plan, result: RunResult) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "recipe": str(plan.recipe_path),
        "recipe_hash": plan.recipe_hash,
        "ok": result.ok,
        "elapsed_s": round(result.elapsed, 3),
        "jobs": [{"job": j.job, "ok": j.ok, "skipped": j.skipped, "not_run": j.not_run,
                  "outputs": [str(p) for p in j.outputs], "where": j.where, "error": j.error}
                 for j in result.jobs],
        "outputs": [str(p) for p in result.outputs],
        "golden": None if result.golden is None else
        {"path": str(result.golden.path), "outcome": result.golden.outcome},
    }
