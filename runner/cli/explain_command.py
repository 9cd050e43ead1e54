"""``motionctl explain "TEXT"``: how the bundled mock reads a message, offline, before a run; in a
conversation too (``--before`` earlier turns, ``--draft`` a starting draft or a session's state).

The one place the runner side imports the mock's interpreter, on purpose: the command shows what the
bundled mock (the embedded default backend) will make of a ``say:`` step's words.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ...mock_server.interpreter.explain import explain as explain_instruction
from ..errors import UsageError


def register(cli: click.Group) -> None:
    """Add ``explain`` to the ``motionctl`` group."""
    cli.add_command(explain)


@click.command()
@click.argument("text")
@click.option("--before", "before", multiple=True, metavar="TEXT",
              help="An earlier message of the conversation, read first (repeat it, in order).")
@click.option("--draft", "draft_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Start from this draft: a draft JSON, a session state, or `motionctl state ID --json`.")
@click.option("--json", "as_json", is_flag=True, help="Print the reading as JSON.")
def explain(text: str, before: tuple[str, ...], draft_file: Path | None, as_json: bool) -> None:
    """Show how the bundled mock reads TEXT: its reply, what it changes, the motion value, the words
    understood and ignored; after the --before turns, from --draft (else from one uploaded image).

    Offline (no server, no credits). Exits 1 when TEXT would change nothing (not understood, or answered
    with a question such as "Which title?").
    """
    state = _load(draft_file) if draft_file is not None else None
    try:
        result = explain_instruction(text, before, state)
    except ValueError as exc:
        raise UsageError(f"--draft {draft_file}: {exc}") from None
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(_text(result))
    if not result["understood"]:
        raise click.exceptions.Exit(1)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--draft {path}: cannot read it ({exc.strerror or exc}); give a JSON file") \
            from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--draft {path}: not JSON ({exc}); save the draft or `motionctl state ID --json` "
                         "output to a file") from None
    if not isinstance(data, dict):
        raise UsageError(f"--draft {path}: expected a JSON object (a draft or a session state)")
    return data


def _text(result: dict[str, Any]) -> str:
    lines = [f"before:     {t['message']!r} -> {t['reply']}" for t in result["before"]]
    lines += [f"reply:      {result['reply']}",
              "motion:     " + (json.dumps(result["motion"]) if result["motion"] is not None else "none")]
    changed = result["changes"]
    lines.append("changes:" + ("    nothing" if not changed else ""))
    lines += [f"  {c['path']}: {json.dumps(c['from'], ensure_ascii=False)} -> "
              f"{json.dumps(c['to'], ensure_ascii=False)}" for c in changed]
    parts = result["parts"]
    lines.append("understood:" + (" nothing" if not parts else ""))
    lines += [f"  {p['words']!r} -> {p['meaning']}" for p in parts]
    lines.append("ignored:    " + (", ".join(repr(w) for w in result["ignored"]) or "nothing"))
    lines += [f"note:       {n}" for n in result["notes"]]
    return "\n".join(lines)
