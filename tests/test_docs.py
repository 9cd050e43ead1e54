"""README keeps its promises: every command is documented, and CI runs README's own test command."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import click

from motionctl.runner.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "motionctl") -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


def test_every_command_is_documented_in_readme() -> None:
    missing = [name for name in _commands(cli) if f"`{name}" not in README]
    assert missing == []


def test_readme_opens_with_the_run_and_the_test_command() -> None:
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    run, test = blocks[0], blocks[1]
    assert "pip install" in run and "motionctl run workflows/quickstart.yaml" in run
    assert "pip install" in test and test.endswith("python -m pytest -q")
    assert README.index(run) < README.index("## ")  # before any other section


def test_ci_runs_the_readme_test_command() -> None:
    test_command = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)[1].split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_the_project_cites_only_its_own_notes() -> None:
    """Facts about the API are cited from specs/SOURCES.md, which ships in the repository; no file points a
    reader at notes outside it (a path that only its authors' machines had)."""
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (an sdist): read the text files on disk
        tracked = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]
    # Split literals, so this file does not match itself.
    outside = re.compile("API-" "NOTES|/work/" r"shared|\.\./shared/|shared/(seed|research|DESIGN|STYLE)")
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".yaml", ".json", ".toml", ".txt", ""} or path.is_symlink():
            continue
        if path.is_file() and outside.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(name)
    assert offenders == []
    assert (ROOT / "specs" / "SOURCES.md").is_file()


def test_readme_says_how_long_the_suite_takes_and_how_to_spread_it() -> None:
    # Issue 18: a new user waited 8 minutes on README's test command, told nothing of it or of -n auto.
    development = README.split("## Development", 1)[1]
    assert re.search(r"about \d+ minutes", development) and "`python -m pytest -q -n auto`" in development
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # What -n needs, in the extra README's test command installs.
    assert any(dep.startswith("pytest-xdist") for dep in project["optional-dependencies"]["test"])
