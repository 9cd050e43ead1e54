"""The pytest plugin (entry point ``pytest11: motionctl``): recipes as tests, and the ``nemo_mock`` fixture.

Recipes are collected when pytest is pointed at them (``pytest workflows/`` or ``pytest workflows/x.yaml``)
or when they match the ``motionctl_recipes`` ini globs. A folder given on the command line contributes the
recipes that have a golden file beside it (all recipes with ``--motionctl-update``), and for each other
recipe one skipped item naming the command that writes its golden (``RecipeWithoutGolden`` says why
skipped); ``testpaths`` alone never collects recipes.

Each job of a recipe is one test item named by its job id (``-k`` picks jobs; xdist spreads them), run
through ``runner.run_recipe`` against the embedded mock with ``--check`` semantics: the item fails on a
failed step (named ``file:line:col``) or when its part of the golden file differs (the diff is shown).
``--motionctl-update`` writes those parts instead and the summary lists goldens created, updated,
unchanged and unused, as syrupy lists snapshots.

With ``--motionctl-cassettes DIR`` (or the ``motionctl_cassettes`` ini option) each job is answered from the
recipe's cassette ``DIR/<recipe>.har`` instead: no mock, no network, no token, so CI runs recipes against
recorded real behaviour. ``--motionctl-record`` records each recipe's cassette first (one run of the whole
recipe, against ``--motionctl-base-url`` or ``--motionctl-backend live``), then its jobs replay it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest
import yaml

from . import golden
from .errors import CassetteStale, RunnerError
from .testing import goldens
from .testing.nemo_mock import NemoMock, serve_mock

if TYPE_CHECKING:
    from .cassette import Cassette

_GOLDEN = "motionctl_golden"
_RUN_DIR = "motionctl_run_dir"
_UNUSED = "motionctl_unused"
_DIFF = "motionctl_golden_diff"
_RECIPE_SUFFIXES = (".yaml", ".yml")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("motionctl", "motionctl recipes as tests")
    group.addoption("--motionctl-update", action="store_true", default=False,
                    help="Write the recipes' golden files instead of checking them.")
    group.addoption("--motionctl-full", action="store_true", default=False,
                    help="Render clips at full size (default: --preview renders; the diffs are the same).")
    group.addoption("--motionctl-report-html", metavar="DIR", default=None,
                    help="Write an HTML report of the recipe runs (contact sheets, clips, steps).")
    group.addoption("--motionctl-report-json", metavar="FILE", default=None,
                    help="Write a JSON report of the recipe runs (specs/report.schema.json).")
    group.addoption("--motionctl-report-junit", metavar="FILE", default=None,
                    help="Write motionctl's JUnit report of the recipe runs (or use pytest's --junitxml).")
    group.addoption("--motionctl-cassettes", metavar="DIR", default=None,
                    help="Answer each recipe's jobs from DIR/<recipe>.har (no mock, no network, no token).")
    group.addoption("--motionctl-record", action="store_true", default=False,
                    help="Record each recipe's cassette first (against --motionctl-base-url or "
                         "--motionctl-backend live; else the embedded mock), then replay it.")
    group.addoption("--motionctl-base-url", metavar="URL", default=None,
                    help="With --motionctl-record: the server to record (a mock you serve, staging).")
    group.addoption("--motionctl-backend", choices=["mock", "live"], default=None,
                    help="With --motionctl-record: live records the Nemo API (with NEMO_TOKEN, if set).")
    group.addoption("--motionctl-max-age", metavar="DURATION", default=None,
                    help="A cassette recorded longer ago (30d) warns, or fails its jobs in CI.")
    parser.addini("motionctl_cassettes", default="",
                  help="The folder of recipe cassettes to replay (<recipe>.har), as --motionctl-cassettes.")
    parser.addini("motionctl_recipes", type="linelist", default=[],
                  help="Globs of recipe files to collect wherever pytest looks, e.g. workflows/*.yaml.")
    parser.addini("motionctl_runs_dir", default="",
                  help="Where the recipe runs' directories go (default: pytest's temporary directory).")


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    if file_path.suffix not in _RECIPE_SUFFIXES or file_path.name.endswith(golden.SUFFIX):
        return None
    config = parent.config
    chosen = _matches_ini(config, file_path) or _named_on_command_line(config, file_path)
    if chosen == "recipe":
        result: RecipeFile = RecipeFile.from_parent(parent, path=file_path)
        return result
    if chosen == "no golden":
        waiting: RecipeWithoutGolden = RecipeWithoutGolden.from_parent(parent, path=file_path)
        return waiting
    return None


def _matches_ini(config: pytest.Config, path: Path) -> Literal["recipe"] | None:
    globs = config.getini("motionctl_recipes")
    rel = path.relative_to(config.rootpath).as_posix() if path.is_relative_to(config.rootpath) else str(path)
    return "recipe" if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(path.name, g) for g in globs) else None


def _named_on_command_line(config: pytest.Config, path: Path) -> Literal["recipe", "no golden"] | None:
    """``recipe``: collect its jobs; ``no golden``: a recipe in a folder given to pytest that has no golden
    file yet, reported as skipped (see ``RecipeWithoutGolden``); ``None``: not a test here."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return None  # testpaths: a project's own suite never starts collecting its recipes by surprise
    resolved = path.resolve()
    for arg in config.args:
        given = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if given == resolved:
            return "recipe"  # a recipe named by the user: without a golden, its jobs fail saying so
        if given.is_dir() and resolved.is_relative_to(given) and _is_recipe(path):
            update = bool(config.getoption("motionctl_update"))
            return "recipe" if update or golden.golden_path(path).exists() else "no golden"
    return None


def _is_recipe(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "steps" in data and "version" in data


class RecipeFile(pytest.File):
    """A recipe: one ``RecipeJob`` per job of its plan (planning makes no network call)."""

    def setup(self) -> None:
        """With ``--motionctl-record``: record the recipe's cassette once, before its jobs replay it."""
        cassette = _cassette(self.config, self.path)
        if cassette is None or not self.config.getoption("motionctl_record"):
            return
        from .run import RunConfig, run_recipe

        base = _base(self.config)
        try:
            result = run_recipe(RunConfig(
                recipe=self.path, backend=self.config.getoption("motionctl_backend"),
                base_url=self.config.getoption("motionctl_base_url"), out_dir=base / "recorded",
                runs_dir=base / "runs", preview=_preview(self.config), record=cassette))
            failed = "; ".join(f"{j.job}: {j.error}" for j in result.failed)
        except RunnerError as exc:
            failed = str(exc)
        if failed:
            pytest.fail(f"recording {cassette} failed: {failed}", pytrace=False)

    def collect(self) -> Iterator[RecipeJob]:
        from .recipe import load_plan

        try:
            plan = load_plan(self.path, out_dir=_base(self.config) / "out", preview=_preview(self.config))
        except RunnerError as exc:
            raise self.CollectError(f"{exc}") from None
        self.job_order = [job.id for job in plan.jobs]
        self.plan_name = plan.name
        for job in plan.jobs:
            yield RecipeJob.from_parent(self, name=job.id, job=job.id)


class RecipeWithoutGolden(pytest.File):
    """A recipe found in a folder given to pytest that has no golden file yet: one skipped item saying how to
    write it. Skipped, not failed: a folder may hold drafts and recipes that are another test's fixtures,
    which must not break a build; but not silent either, so a recipe whose golden was never written shows
    in the summary (``-rs``), in JUnit and in the counts. A recipe named on the command line, or matched by
    ``motionctl_recipes``, is meant as a test: its jobs run and fail for the missing golden."""

    def collect(self) -> Iterator[pytest.Item]:
        command = f"pytest {_shown_path(self)} --motionctl-update"
        item = NoGoldenYet.from_parent(self, name="no golden")
        # A mark, not pytest.skip(): the summary then points at the recipe, not at this plugin.
        reason = (f"{self.path.name} has no golden file yet: `{command}` writes it (commit it beside the "
                  "recipe); from then on its jobs are checked here")
        item.add_marker(pytest.mark.skip(reason=reason))
        yield item


class NoGoldenYet(pytest.Item):
    def runtest(self) -> None:  # pragma: no cover - skipped by its mark before it runs
        raise AssertionError("a recipe without a golden has nothing to check")

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name}: no golden"


def _shown_path(node: pytest.Collector) -> str:
    with contextlib.suppress(ValueError):
        return node.path.relative_to(node.config.invocation_params.dir).as_posix()
    return str(node.path)


@dataclass
class JobFailed(Exception):
    job: str
    where: str
    error: str


@dataclass
class GoldenDiffers(Exception):
    job: str
    message: str
    diff: str


class RecipeJob(pytest.Item):
    """One job of a recipe, run on the embedded mock and checked against its part of the golden file."""

    def __init__(self, *, job: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job

    @property
    def recipe(self) -> RecipeFile:
        assert isinstance(self.parent, RecipeFile)
        return self.parent

    def runtest(self) -> None:
        from .journal import read_journal
        from .run import RunConfig, run_recipe

        base = _base(self.config)
        cassette = _cassette(self.config, self.path)
        preview = _preview(self.config)
        replayed = None
        if cassette is not None:
            replayed = _replayable(self.config, cassette)
            preview = preview if replayed.info.preview is None else replayed.info.preview
        result = run_recipe(RunConfig(recipe=self.path, out_dir=base / "out", runs_dir=base / "runs",
                                      preview=preview, concurrency=1, jobs=(self.job,), replay=cassette,
                                      replayed=replayed))
        self.user_properties.append((_RUN_DIR, str(result.run_dir)))
        path = golden.golden_path(self.path)
        order = self.recipe.job_order
        if path.exists():
            unused = [job for job in golden.split(path.read_text(encoding="utf-8")).sections
                      if job not in order]
            for job in unused:
                self.user_properties.append((_UNUSED, f"{path}::{job}"))
        for outcome in result.jobs:
            if not outcome.ok:
                raise JobFailed(outcome.job, outcome.where or "", outcome.error or "the job failed")
        built = golden.build(self.recipe.plan_name, [self.job], read_journal(result.run_dir))
        if self.config.getoption("motionctl_update"):
            state = goldens.update_section(path, self.path, self.job, built, order)
            self.user_properties.append((_GOLDEN, f"{state}\t{path}::{self.job}"))
            return
        new = golden.split(built).sections.get(self.job, "")
        if not path.exists():
            raise GoldenDiffers(self.job, f"golden {path} does not exist; write it with "
                                          f"`pytest {self.path} --motionctl-update` and commit it", "")
        old = golden.split(path.read_text(encoding="utf-8")).sections.get(self.job)
        if old is None:
            raise GoldenDiffers(self.job, f"golden {path} has no entry for job {self.job}; write it with "
                                          f"`pytest {self.path} --motionctl-update`", "")
        if old != new:
            hint = f"if the change is intended, run `pytest {self.path} --motionctl-update` and commit it"
            diff = goldens.section_diff(path, self.job, old, new)
            self.user_properties.append((_DIFF, f"{result.run_id}\t{path}\t{diff}"))
            raise GoldenDiffers(self.job, f"golden {path} differs for job {self.job}; {hint}", diff)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        exc = excinfo.value
        if isinstance(exc, JobFailed):
            return f"job {exc.job} failed at {exc.where}:\n{exc.error}" if exc.where else \
                f"job {exc.job} failed: {exc.error}"
        if isinstance(exc, GoldenDiffers):
            return f"{exc.message}\n{exc.diff}".rstrip("\n")
        if isinstance(exc, RunnerError):
            return str(exc)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.path.name}::{self.job}"


def _base(config: pytest.Config) -> Path:
    configured = config.getini("motionctl_runs_dir")
    if configured:
        return (config.rootpath / str(configured)).resolve()
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return (config.rootpath / ".motionctl").resolve()
    base: Path = factory.getbasetemp() / "motionctl"
    return base


def _preview(config: pytest.Config) -> bool:
    return not config.getoption("motionctl_full")


def _cassette(config: pytest.Config, recipe: Path) -> Path | None:
    """The cassette a recipe's jobs replay (``None``: they run on the embedded mock)."""
    given = config.getoption("motionctl_cassettes")
    if given:
        return config.invocation_params.dir / str(given) / f"{recipe.stem}.har"
    ini = config.getini("motionctl_cassettes")
    return config.rootpath / str(ini) / f"{recipe.stem}.har" if ini else None


def _replayable(config: pytest.Config, cassette: Path) -> Cassette:
    """The cassette, once checked to be there and fresh enough; the job replays it as read here, and runs at
    the render size it was recorded at (its renders are matched by their exact request, sizes included)."""
    from .api.waits import parse_duration
    from .cassette import check_age, load

    if not cassette.is_file():
        pytest.fail(f"no cassette at {cassette}: record it with `pytest {cassette.stem}.yaml "
                    f"--motionctl-cassettes {cassette.parent} --motionctl-record --motionctl-backend live` "
                    "(or --motionctl-base-url URL) and commit it with its .bodies/ folder", pytrace=False)
    recorded = load(cassette)
    max_age = config.getoption("motionctl_max_age")
    if max_age:
        try:
            warning = check_age(recorded, parse_duration(max_age), None, os.environ)
        except CassetteStale as exc:
            pytest.fail(str(exc), pytrace=False)
        if warning:
            warnings.warn(pytest.PytestWarning(warning), stacklevel=1)
    return recorded


# --- the session's summary: goldens as syrupy lists snapshots, and the reports --------------------------

class _Collected:
    """What the items reported (through ``user_properties``, which xdist carries to the controller)."""

    def __init__(self) -> None:
        self.goldens: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
        self.unused: set[str] = set()
        self.run_dirs: list[Path] = []
        self.diffs: dict[str, tuple[str, str]] = {}  # run id → (golden path, diff)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call":
            return
        for key, value in report.user_properties:
            if key == _GOLDEN:
                state, _, where = str(value).partition("\t")
                self.goldens.setdefault(state, []).append(where)
            elif key == _UNUSED:
                self.unused.add(str(value))
            elif key == _RUN_DIR:
                self.run_dirs.append(Path(str(value)))
            elif key == _DIFF:
                run_id, path, diff = str(value).split("\t", 2)
                self.diffs[run_id] = (path, diff)


_STASH = pytest.StashKey[_Collected]()


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("motionctl_record"):
        if not (config.getoption("motionctl_cassettes") or config.getini("motionctl_cassettes")):
            raise pytest.UsageError("--motionctl-record needs --motionctl-cassettes DIR: where to write them")
        if getattr(config.option, "numprocesses", None):
            raise pytest.UsageError("--motionctl-record records each recipe once, in one process: "
                                    "run it without -n")
    # An object per session rather than module state: pytester runs sessions inside sessions.
    collected = _Collected()
    config.stash[_STASH] = collected
    config.pluginmanager.register(collected, f"motionctl-collected-{id(config)}")


def pytest_unconfigure(config: pytest.Config) -> None:
    collected = config.stash.get(_STASH, None)
    if collected is not None:
        config.pluginmanager.unregister(collected)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    collected = config.stash.get(_STASH, None)
    if collected is None:
        return
    update = bool(config.getoption("motionctl_update"))
    unused = sorted(collected.unused)
    if update and unused:
        unused = _drop_unused(unused)
    counts = {k: len(v) for k, v in collected.goldens.items() if v}
    if counts or unused:
        tr = terminalreporter
        tr.section("motionctl goldens")
        parts = [f"{n} {state}" for state, n in counts.items()]
        if unused:
            parts.append(f"{len(unused)} {'deleted' if update else 'unused'}")
        tr.write_line(", ".join(parts))
        for state in ("created", "updated"):
            for where in sorted(collected.goldens.get(state, [])):
                tr.write_line(f"  {state}: {where}")
        for where in unused:
            tr.write_line(f"  {'deleted' if update else 'unused (delete with --motionctl-update)'}: {where}")
    _write_reports(config, collected, terminalreporter)


def _drop_unused(unused: list[str]) -> list[str]:
    """Remove the golden entries of jobs that no recipe has any more (``--motionctl-update``)."""
    from .recipe import load_plan

    dropped = []
    for path_text in sorted({where.rpartition("::")[0] for where in unused}):
        path = Path(path_text)
        recipe = path.with_name(path.name.removesuffix(golden.SUFFIX) + ".yaml")
        try:
            order = [job.id for job in load_plan(recipe).jobs]
        except (RunnerError, OSError):
            continue
        dropped += [f"{path}::{job}" for job in goldens.drop_unused(path, recipe, order)]
    return sorted(dropped)


def _write_reports(config: pytest.Config, collected: _Collected, tr: Any) -> None:
    from .reporting.reports import ReportTargets, write_reports

    def opt(name: str) -> Path | None:
        value = config.getoption(name)
        return None if not value else config.invocation_params.dir / value

    targets = ReportTargets(junit=opt("motionctl_report_junit"), json=opt("motionctl_report_json"),
                            html=opt("motionctl_report_html"))
    if not targets or not collected.run_dirs:
        return
    try:
        _, written = write_reports(sorted(set(collected.run_dirs)), targets,
                                   golden_diffs={k: d for k, (_, d) in collected.diffs.items()},
                                   golden_paths={k: p for k, (p, _) in collected.diffs.items()})
    except RunnerError as exc:
        tr.write_line(f"motionctl: report not written: {exc}", red=True)
        return
    for path in written:
        tr.write_line(f"motionctl report: {path}")


# --- fixtures for people testing their own Nemo integration --------------------------------------------

@pytest.fixture(scope="session")
def nemo_mock_config() -> Any:
    """The ``MockConfig`` of the session's mock; override this fixture to change seed, credits, dialect…"""
    from ..mock_server import MockConfig

    return MockConfig()


@pytest.fixture(scope="session")
def nemo_mock_session(nemo_mock_config: Any) -> Iterator[NemoMock]:
    """One mock for the whole session (per xdist worker), stopped when the session ends."""
    yield from serve_mock(nemo_mock_config)


@pytest.fixture
def nemo_mock(nemo_mock_session: NemoMock) -> NemoMock:
    """The session's mock, reset for this test: no accounts, sessions, faults or logged requests."""
    nemo_mock_session.reset()
    return nemo_mock_session
