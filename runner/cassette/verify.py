"""``cassette verify``: is a cassette safe to commit? No secret left, every sidecar what the HAR says it is.

The recorder scrubs at write time; this is the second look, for CI and pre-commit hooks, and for
cassettes edited by hand or recorded by an older motionctl. It runs the recorder's own detectors
(scrub.py) over every exchange and reports any value that is not a placeholder, scans the whole file and
every sidecar for token-shaped text the detectors' fields do not reach, and checks each sidecar's sha256.
Findings never print a secret whole.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .har import Cassette, load
from .scrub import TOKEN_SHAPES, in_exchange, is_placeholder

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class Verdict:
    cassette: Cassette
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def _masked(value: str) -> str:
    return f"{value[:6]!r}… ({len(value)} characters)" if len(value) > 8 else "(short)"


def _leaks(cassette: Cassette) -> list[Finding]:
    found: dict[tuple[str, str], Finding] = {}
    for n, ex in enumerate(cassette.exchanges, start=1):
        for item in in_exchange(ex, n):
            if not is_placeholder(item.value):
                found.setdefault((item.where, item.value), Finding(
                    f"{cassette.path}: {item.where}", f"a {item.kind} {_masked(item.value)} is not scrubbed"))
    text = cassette.path.read_text(encoding="utf-8")
    seen = {value for _, value in found}
    for shape in TOKEN_SHAPES:
        for match in shape.finditer(text):
            if match.group(0) not in seen:
                seen.add(match.group(0))
                line = text.count("\n", 0, match.start()) + 1
                found[("", match.group(0))] = Finding(f"{cassette.path}:{line}",
                                                      f"token-shaped text {_masked(match.group(0))}")
    return list(found.values())


def _sidecar_findings(cassette: Cassette) -> list[Finding]:
    findings = []
    hashes = {b.file: b.sha256 for ex in cassette.exchanges for b in (ex.request_body, ex.response_body)
              if b is not None and b.file}
    hashes |= {p.file: p.sha256 for ex in cassette.exchanges if ex.request_body
               for p in ex.request_body.parts or [] if p.file}
    shapes = [re.compile(s.pattern.encode()) for s in TOKEN_SHAPES]
    for name in cassette.sidecars():
        digest = hashlib.sha256()
        tail, tokens = b"", False
        with cassette.sidecar(name).open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                tokens = tokens or any(s.search(tail + chunk) for s in shapes)  # across a chunk boundary
                tail = chunk[-256:]
        if tokens:
            findings.append(Finding(f"{cassette.path}: sidecar {name}", "holds token-shaped text"))
        if hashes.get(name) and digest.hexdigest() != hashes[name]:
            findings.append(Finding(f"{cassette.path}: sidecar {name}",
                                    "its content does not match the sha256 the cassette gives (edited or "
                                    "damaged: restore it or record again)"))
    return findings


def verify(path: Path) -> Verdict:
    """Check one cassette file (see the module docstring).

    Raises:
        CassetteError: the file cannot be read as a cassette at all.
    """
    cassette = load(path)
    return Verdict(cassette, tuple(_leaks(cassette) + _sidecar_findings(cassette)))
