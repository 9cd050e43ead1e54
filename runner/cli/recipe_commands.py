"""``motionctl validate`` and ``motionctl plan``: check recipes and show what a run would do, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from runner.actions import DEFAULT_OUT_DIR, Action, Expect, Export, Job, Plan, Say, Upload
from runner.golden import recipes_among
from runner.recipe import estimate, load_all, load_plan

_CALL_LABELS = {
    "create_session": "create session", "upload": "upload", "run_sse": "run_sse", "state": "state",
    "render_submit": "render submit", "render_poll": "render poll (at least)", "download": "download",
}


def register(cli: click.Group) -> None:
    """Add ``validate`` and ``plan`` to the ``motionctl`` group."""
    cli.add_command(validate)
    cli.add_command(plan)


_recipe_paths = click.argument("recipes", nargs=-1, required=True,
                               type=click.Path(path_type=Path, dir_okay=False))
# The same default as `motionctl run`, so `plan` shows the paths a run writes.
_out_option = click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                           default=DEFAULT_OUT_DIR, show_default=True,
                           help="Root of the recipe's export paths.")


@click.command()
@_recipe_paths
@_out_option
def validate(recipes: tuple[Path, ...], out_dir: Path) -> None:
    """Check recipes without any network call: schema, templates, media files, export paths.

    Prints "ok" for each good file and every problem of every other file as file:line:col (one per line),
    and exits 2 if there is any. Golden files (*.golden.yaml) among RECIPES are skipped, as `run` does.
    """
    plans, error = load_all(recipes_among(recipes), out_dir)
    for recipe, result in plans:
        actions = sum(len(job.actions) for job in result.jobs)
        click.echo(f"{recipe}: ok ({_count(len(result.jobs), 'job')}, {_count(actions, 'action')})")
    if error is not None:
        raise error


@click.command()
@click.argument("recipe", type=click.Path(path_type=Path, dir_okay=False))
@_out_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--preview", is_flag=True, help="Plan exports at quality low, 540p.")
def plan(recipe: Path, out_dir: Path, as_json: bool, preview: bool) -> None:
    """Show the jobs a recipe expands to: each action's exact words, the API calls, and the credits."""
    recipes_among([recipe])  # a golden file given by mistake gets the same message as from `run`
    result = load_plan(recipe, out_dir=out_dir, preview=preview)
    if as_json:
        click.echo(json.dumps(plan_as_json(result), indent=2, ensure_ascii=False))
        return
    click.echo(f"{result.name}: {_count(len(result.jobs), 'job')} from {result.recipe_path} "
               f"(sha256 {result.recipe_hash[:12]})")
    total = 0
    for job in result.jobs:
        guess = estimate(job)
        total += guess.credits
        params = ", ".join(f"{k}={v}" for k, v in job.params.items())
        click.echo("")
        click.echo(f"job {job.id}" + (f"  ({params})" if params else ""))
        for number, action in enumerate(job.actions, 1):
            origin = "defaults" if action.where.step_index == 0 else f"line {action.where.line}"
            click.echo(f"  {number:>2}. {_describe(action)}  [{origin}]")
        calls = ", ".join(f"{_CALL_LABELS[k]} ×{n}" for k, n in guess.calls.items() if n)
        click.echo(f"  API calls: {calls}")
        click.echo(f"  credits: about {guess.credits}")
    click.echo("")
    click.echo(f"total: about {total} credits for {_count(len(result.jobs), 'job')}")


def _describe(action: Action) -> str:
    match action:
        case Upload():
            return "upload " + ", ".join(p.name for p in action.paths)
        case Say(free_text=True):
            return f"say (free text) {json.dumps(action.sentence, ensure_ascii=False)}"
        case Say():
            return f"say {action.sentence}"
        case Expect():
            shown = {k: v for k, v in vars(action.expectation).items() if v is not None}
            return "expect " + ", ".join(f"{k}={v}" for k, v in shown.items())
        case Export():
            return f"export {action.dest} ({action.format}, {action.quality}, {action.resolution})"


def plan_as_json(result: Plan) -> dict[str, Any]:
    """The plan as JSON-ready values (what ``plan --json`` prints)."""
    jobs = [_job_as_json(job) for job in result.jobs]
    return {"name": result.name, "recipe": str(result.recipe_path), "recipe_hash": result.recipe_hash,
            "credits": sum(j["credits"] for j in jobs), "jobs": jobs}


def _job_as_json(job: Job) -> dict[str, Any]:
    guess = estimate(job)
    return {"id": job.id, "params": dict(job.params), "actions": [_action_as_json(a) for a in job.actions],
            "api_calls": dict(guess.calls), "credits": guess.credits}


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


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
