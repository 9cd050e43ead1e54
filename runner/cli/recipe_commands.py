"""``motionctl validate`` and ``motionctl plan``: check recipes and show what a run would do, offline.

Problems go to stderr as bare ``file:line:col: message`` lines (no ``motionctl:`` prefix), so editors'
problem matchers and ``grep`` read them; the exit code is 2 when there is any.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

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
)
from ..errors import Problem, RecipeLoadError, RecipeValidationError
from ..recipe.discover import recipe_files
from ..recipe.select import selection

_CALL_LABELS = {
    "create_session": "create session", "upload": "upload", "run_sse": "run_sse", "state": "state",
    "render_submit": "render submit", "render_poll": "render poll (at least)", "download": "download",
}


def register(cli: click.Group) -> None:
    """Add ``validate`` and ``plan`` to the ``motionctl`` group."""
    cli.add_command(validate)
    cli.add_command(plan)


# The same default as `motionctl run`, so `plan` shows the paths a run writes.
_out_option = click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                           default=DEFAULT_OUT_DIR, show_default=True,
                           help="Root of the recipe's export paths.")
allow_path_option = click.option(
    "--allow-path", "allow_paths", multiple=True, metavar="DIR",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Also allow uploads from this folder (repeatable); by default they must lie in the recipe's folder.")
job_option = click.option("--job", "job_patterns", multiple=True, metavar="PATTERN",
                          help="Only the jobs whose id matches this glob (repeatable), e.g. '*-tiktok'.")
shard_option = click.option(
    "--shard", metavar="I/N|auto",
    help="Only shard I of N (stable: a job's shard depends on its id alone); auto reads "
         "MOTIONCTL_SHARD_INDEX/_TOTAL, GitLab's CI_NODE_INDEX/CI_NODE_TOTAL or Kubernetes' "
         "JOB_COMPLETION_INDEX/JOB_COMPLETION_TOTAL.")



def _print_problems(problems: Sequence[Problem | str]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _exit_invalid() -> None:
    raise click.exceptions.Exit(2)


@click.command()
@click.argument("recipes", nargs=-1, required=True, type=click.Path(path_type=Path))
@_out_option
@allow_path_option
@click.option("--json", "as_json", is_flag=True,
              help="Print {recipes: [...], problems: [...]} as JSON on stdout instead of lines.")
def validate(recipes: tuple[Path, ...], out_dir: Path, allow_paths: tuple[Path, ...], as_json: bool) -> None:
    """Check recipes without any network call: schema, templates, media files, export paths.

    RECIPES may be files, folders (the recipes inside) or globs (workflows/*: golden files and images are
    skipped). Prints "ok" for each good file and every problem of the others as file:line:col: message
    (one per line, on stderr), and exits 2 if there is any.
    """
    from ..recipe import load_plan
    from ..recipe.loader import RecipeSyntaxError

    results: list[dict[str, Any]] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    messages: list[Problem | str] = []
    for recipe in recipe_files(recipes):
        try:
            result = load_plan(recipe, out_dir=out_dir, allow_paths=allow_paths)
        except RecipeValidationError as exc:
            problems.extend(exc.problems)
            messages.extend(exc.problems)
            results.append({"file": str(recipe), "ok": False, "problems": len(exc.problems)})
            continue
        except RecipeSyntaxError as exc:
            problems.append(exc.problem)
            messages.append(exc.problem)
            results.append({"file": str(recipe), "ok": False, "problems": 1})
            continue
        except RecipeLoadError as exc:
            problems.append(Problem(str(recipe), 1, 1, str(exc).removeprefix(f"{recipe}: ")))
            messages.append(str(exc))
            results.append({"file": str(recipe), "ok": False, "problems": 1})
            continue
        actions = sum(len(job.actions) for job in result.jobs)
        results.append({"file": str(recipe), "ok": True, "jobs": len(result.jobs), "actions": actions,
                        "warnings": len(result.warnings)})
        warnings.extend(result.warnings)
        if not as_json:
            click.echo(f"{recipe}: ok ({_count(len(result.jobs), 'job')}, {_count(actions, 'action')})")
    if as_json:
        shown = {"recipes": results, "problems": [_as_json(p) for p in problems],
                 "warnings": [_as_json(w) for w in warnings]}
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        _print_problems([*warnings, *messages])
    if problems:
        _exit_invalid()


@click.command()
@click.argument("recipe", type=click.Path(path_type=Path, dir_okay=False))
@_out_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--preview", is_flag=True, help="Plan exports at quality low, 540p.")
@allow_path_option
@job_option
@shard_option
def plan(recipe: Path, out_dir: Path, as_json: bool, preview: bool, allow_paths: tuple[Path, ...],
         job_patterns: tuple[str, ...], shard: str | None) -> None:
    """Show the jobs a recipe expands to: each action's exact words, the API calls, and the credits."""
    from ..recipe import estimate, load_plan
    from ..recipe.loader import RecipeSyntaxError

    (recipe,) = recipe_files([recipe]) or [recipe]  # a golden file gets the same message as from `run`
    chosen = selection(job_patterns, shard, os.environ)
    try:
        result = load_plan(recipe, out_dir=out_dir, preview=preview, allow_paths=allow_paths, select=chosen)
    except RecipeValidationError as exc:
        _print_problems(exc.problems)
        _exit_invalid()
        return
    except RecipeSyntaxError as exc:
        _print_problems([exc.problem])
        _exit_invalid()
        return
    write = sys.stdout.write
    if as_json:
        write_plan_json(result, write)
        return
    write(f"{result.name}: {_count(len(result.jobs), 'job')} from {result.recipe_path} "
          f"(sha256 {result.recipe_hash[:12]})\n")
    credits: list[int] = []
    for job in result.jobs:
        guess = estimate(job)
        credits.append(guess.credits)
        params = ", ".join(f"{k}={v}" for k, v in job.params.items())
        lines = ["", f"job {job.id}" + (f"  ({params})" if params else "")]
        for index, action in enumerate(job.actions, 1):
            origin = "defaults" if action.where.step_kind == "defaults" else f"line {action.where.line}"
            lines.append(f"  {index:>2}. {_describe(action)}  [{origin}]")
        calls = ", ".join(f"{_CALL_LABELS[k]} ×{n}" for k, n in guess.calls.items() if n)
        lines += [f"  API calls: {calls}", f"  credits: about {guess.credits}"]
        lines += [f"  warning: {w}" for w in job.warnings]
        write("\n".join(lines) + "\n")
    write(f"\ntotal: about {sum(credits)} credits for {_count(len(result.jobs), 'job')}\n")
    if not os.environ.get("NEMO_TOKEN"):
        write(_new_token_verdict(credits) + "\n")


def _new_token_verdict(credits: list[int]) -> str:
    """How the estimate compares with the credits of the new anonymous token a live run would start from."""
    from ..recipe.planner import NEW_TOKEN_CREDITS

    total, budget = sum(credits), NEW_TOKEN_CREDITS
    head = (f"NEMO_TOKEN is not set, so `--backend live` would start from a new anonymous token with "
            f"{budget} credits")
    if total <= budget:
        return f"{head}: enough for this plan"
    spent = covered = 0
    for cost in credits:
        if spent + cost > budget:
            break
        spent, covered = spent + cost, covered + 1
    return (f"{head}, {total - budget} short of this plan's {total} (it covers {covered} of "
            f"{_count(len(credits), 'job')}): set NEMO_TOKEN to an account with enough credits, or run "
            "it in parts with --job or --shard; the embedded mock, the default backend, costs nothing")


def _describe(action: Action) -> str:
    match action:
        case Upload():
            return "upload " + ", ".join(p.name for p in action.paths)
        case Say(free_text=True):
            return f"say (free text) {json.dumps(action.sentence, ensure_ascii=False)}"
        case Say():
            return f"say {action.sentence}"
        case Expect():
            return "expect " + describe_expectation(action.expectation)
        case Export():
            return f"export {action.dest} ({action.format}, {action.quality}, {action.resolution})"


def describe_expectation(expectation: Expectation) -> str:
    """``tracks video 1, audio 1; duration 6s; aspect 9:16`` — how a person would write it down."""
    from ..recipe.compiler import number, seconds

    parts: list[str] = []
    if expectation.tracks is not None:
        parts.append("tracks " + ", ".join(f"{k} {v}" for k, v in expectation.tracks.items()))
    if expectation.duration_ms is not None:
        parts.append(f"duration {seconds(expectation.duration_ms)}")
    if expectation.texts is not None:
        parts.append("text " + ", ".join(json.dumps(t, ensure_ascii=False) for t in expectation.texts))
    if expectation.aspect is not None:
        parts.append(f"aspect {expectation.aspect}")
    if expectation.volume is not None:
        parts.append(f"volume {number(expectation.volume)}%")
    if expectation.motion is not None:
        parts.append("motion " + ", ".join(f"{k} {_plain(v)}" for k, v in expectation.motion.items()))
    return "; ".join(parts)


def _plain(value: object) -> str:
    from ..recipe.compiler import number

    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return number(value)
    return str(value)


def write_plan_json(result: Plan, write: Callable[[str], object]) -> None:
    """``plan --json``: the plan's fields, then one job per line (readable, and fast at 10,000 jobs)."""
    from ..recipe import estimate

    guesses = [estimate(job) for job in result.jobs]
    head = {"name": result.name, "recipe": str(result.recipe_path), "recipe_hash": result.recipe_hash,
            "credits": sum(g.credits for g in guesses)}
    write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "jobs": [')
    encode = _ENCODER.encode
    # Jobs of a matrix share most of their action objects (the planner makes each distinct one once).
    shown: dict[int, str] = {}
    for index, (job, guess) in enumerate(zip(result.jobs, guesses, strict=True)):
        actions = []
        for action in job.actions:
            if id(action) not in shown:
                shown[id(action)] = encode(_action_as_json(action))
            actions.append(shown[id(action)])
        fields = encode({"id": job.id, "params": job.params, "api_calls": guess.calls,
                         "credits": guess.credits, "warnings": list(job.warnings)})
        text = f'{fields[:-1]}, "actions": [{", ".join(actions)}]}}'
        write(("\n    " if index == 0 else ",\n    ") + text)
    write("\n  ]\n}\n" if result.jobs else "]\n}\n")


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # made once: json.dumps with options makes one per call


def plan_as_json(result: Plan) -> dict[str, Any]:
    """The plan as JSON-ready values (what ``plan --json`` prints)."""
    jobs = [_job_as_json(job) for job in result.jobs]
    return {"name": result.name, "recipe": str(result.recipe_path), "recipe_hash": result.recipe_hash,
            "credits": sum(j["credits"] for j in jobs), "jobs": jobs}


def _job_as_json(job: Job) -> dict[str, Any]:
    from ..recipe import estimate

    guess = estimate(job)
    return {"id": job.id, "params": dict(job.params), "actions": [_action_as_json(a) for a in job.actions],
            "api_calls": dict(guess.calls), "credits": guess.credits, "warnings": list(job.warnings)}


def _action_as_json(action: Action) -> dict[str, Any]:
    where = vars(action.where)
    match action:
        case Upload():
            return {"type": "upload", "paths": [str(p) for p in action.paths], "where": where}
        case Say():
            return {"type": "say", "sentence": action.sentence, "free_text": action.free_text, "where": where}
        case Expect():
            shown = {k: (list(v) if isinstance(v, tuple) else v)
                     for k, v in vars(action.expectation).items() if v is not None}
            return {"type": "expect", "expect": shown, "where": where}
        case Export():
            return {"type": "export", "dest": str(action.dest), "format": action.format,
                    "quality": action.quality, "resolution": action.resolution, "where": where}


def _as_json(problem: Problem) -> dict[str, Any]:
    return {k: v for k, v in vars(problem).items() if k != "severity"}  # the key says which list


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
