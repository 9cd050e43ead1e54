"""Shared helpers of the cassette tests: a recorded quickstart, the network blocked, cassettes edited."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / "workflows"


@dataclass(frozen=True)
class Recording:
    """A recipe run recorded against the mock served on 127.0.0.1, and what that run wrote."""

    recipe: Path
    cassette: Path
    run_dir: Path
    outputs: dict[str, bytes]  # job id → the MP4's bytes


def block_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on every connection attempt and name lookup fails and is listed: a replay makes none."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args))
        raise OSError("the network is blocked by this test")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def copy_cassette(cassette: Path, dest: Path) -> Path:
    """The cassette and its sidecar folder copied into ``dest`` (to edit without touching the original)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(cassette, dest / cassette.name)
    bodies = cassette.with_name(cassette.stem + ".bodies")
    shutil.copytree(bodies, dest / bodies.name)
    return dest / cassette.name


def edit_cassette(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    """Change a cassette's entries by hand, as a person editing the HAR file would."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc["log"]["entries"])
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")


def entries_of(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    return entries


def outputs_of(run_dir: Path) -> dict[str, bytes]:
    """Each finished job's MP4 bytes, from a run's summary."""
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    return {job["job"]: Path(job["outputs"][0]).read_bytes() for job in summary["jobs"] if job["ok"]}


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The cassettes parsed from now on, one entry per parse (``har.load``, wherever it was imported)."""
    from motionctl.runner.cassette import har

    parses: list[Path] = []
    parse = har._Reader.cassette

    def counted(reader: har._Reader, doc: object) -> har.Cassette:
        parses.append(reader.path)
        return parse(reader, doc)

    monkeypatch.setattr(har._Reader, "cassette", counted)
    return parses
