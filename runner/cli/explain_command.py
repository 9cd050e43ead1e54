"""``motionctl explain "TEXT"``: how the bundled mock reads an instruction, offline, before a run.

The one place the runner side imports the mock's interpreter, on purpose: the command shows what the
bundled mock (the embedded default backend) will make of a ``say:`` step's words.
"""

from __future__ import annotations

import json
from typing import Any

import click


def register(cli: click.Group) -> None:
    """Add ``explain`` to the ``motionctl`` group."""
    cli.add_command(explain)


@click.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the reading as JSON.")
def explain(text: str, as_json: bool) -> None:
    """Show how the bundled mock reads TEXT: its reply, the motion value, the words understood and ignored.

    Offline (no server, no credits). Exits 1 when the mock would answer "I didn't understand".
    """
    from ...mock_server.interpreter.explain import explain as explain_instruction

    result = explain_instruction(text)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(_text(result))
    if not result["understood"]:
        raise click.exceptions.Exit(1)


def _text(result: dict[str, Any]) -> str:
    lines = [f"reply:      {result['reply']}",
             "motion:     " + (json.dumps(result["motion"]) if result["motion"] is not None else "none")]
    parts = result["parts"]
    lines.append("understood:" + (" nothing" if not parts else ""))
    lines += [f"  {p['words']!r} -> {p['meaning']}" for p in parts]
    lines.append("ignored:    " + (", ".join(repr(w) for w in result["ignored"]) or "nothing"))
    lines += [f"note:       {n}" for n in result["notes"]]
    return "\n".join(lines)
