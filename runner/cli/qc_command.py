"""``motionctl qc CLIP --recipe RECIPE``: check any clip against what a recipe's job asks (docs/clip-qc.md).

Exit 0 when the clip is what the job asks, 1 with one line per failed check (``check: measured …, asked
…``) on stdout, 2 for bad input. Checks that could not be made are listed after the failures, so a reader
never mistakes "not looked at" for "fine"; ``-v`` lists the passing checks too.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .recipe_commands import allow_path_option


def register(cli: click.Group) -> None:
    cli.add_command(qc)


@click.command("qc")
@click.argument("clip", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--recipe",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The recipe the clip was made from.",
)
@click.option(
    "--job", "job_id", metavar="JOB_ID", help="The job that made it (needed when the recipe has several)."
)
@click.option(
    "--step",
    type=click.IntRange(min=1),
    metavar="N",
    help="Its export step, when the job exports several clips (else matched by file name).",
)
@click.option(
    "--run",
    "run_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    metavar="RUN_DIR",
    help="The run that made it: what its say: steps did, its --preview and backend.",
)
@click.option("--preview", is_flag=True, help="The clip was made with --preview (540p).")
@click.option(
    "--level",
    type=click.Choice(["fast", "full"]),
    default="fast",
    show_default=True,
    help="full also reads the text (needs motionctl[ocr]).",
)
@click.option("--json", "as_json", is_flag=True, help="Every check as JSON on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the checks that passed.")
@allow_path_option
def qc(
    clip: Path,
    recipe: Path,
    job_id: str | None,
    step: int | None,
    run_dir: Path | None,
    preview: bool,
    level: str,
    as_json: bool,
    verbose: bool,
    allow_paths: tuple[Path, ...],
) -> None:
    """Check CLIP against what RECIPE's job asks: format, picture, camera motion, text and audio."""
    from ..clipcheck import check, find_target  # the decoder (PyAV, OpenCV) only when a clip is checked
    from ..qc import summary

    target = find_target(
        clip, recipe, job_id=job_id, step=step, run_dir=run_dir, preview=preview, allow_paths=allow_paths
    )
    verdict = check(clip, target, level)  # type: ignore[arg-type]  # click.Choice
    if as_json:
        click.echo(
            json.dumps(
                {
                    "clip": str(clip),
                    "job": target.job.id,
                    "step": str(target.export.where),
                    **verdict.as_dict(),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for line in verdict.lines(unchecked=True, passed=verbose):
            click.echo(line)
        state = "ok" if verdict.ok else "FAILED"
        click.echo(
            f"{clip}: {state} against {target.export.where} of job {target.job.id} "
            f"({summary(verdict.checks)}; --level {verdict.level})",
            err=True,
        )
    if not verdict.ok:
        raise click.exceptions.Exit(1)
