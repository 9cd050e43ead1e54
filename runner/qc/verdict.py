"""What a clip check found: one ``Check`` per property, with what was measured and what was asked.

A check passes, fails, or was not checked (and says why: a level that skips it, a missing extra, a field a
``say:`` step decided). Nothing is silently left out: every check the asked clip calls for appears in the
verdict, so a reader can tell "checked and fine" from "not looked at".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["fast", "full", "off"]
LEVELS: tuple[Level, ...] = ("fast", "full", "off")
DEFAULT_LEVEL: Level = "fast"
Status = Literal["passed", "failed", "not_checked"]


@dataclass(frozen=True)
class Options:
    """How to check, beyond the level: ``moods`` says whether the bundled moods' levels apply (the mock's
    library; the live API publishes none)."""

    moods: bool = True


@dataclass(frozen=True)
class Check:
    """One property of the clip. ``measured``/``asked`` are for people; ``values`` for tools and plots."""

    name: str  # e.g. "format.size", "motion.zoom", "text.position"
    status: Status
    measured: str = ""
    asked: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    subject: str = ""  # what the check is about, when there are several: a text's content, a time

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def title(self) -> str:
        return f"{self.name} {self.subject}" if self.subject else self.name

    def line(self) -> str:
        """``name: measured …, asked …`` (or ``name: not checked (why)``)."""
        if self.status == "not_checked":
            return f"{self.title}: not checked ({self.measured})"
        return f"{self.title}: measured {self.measured}, asked {self.asked}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "status": self.status,
            "measured": self.measured,
            "asked": self.asked,
        }
        if self.subject:
            out["subject"] = self.subject
        if self.values:
            out["values"] = {k: _rounded(v) for k, v in self.values.items()}
        return out


def _rounded(value: Any) -> Any:
    """Floats to 5 significant digits: measurements, not noise, in journals of thousands of clips."""
    if isinstance(value, float):
        return float(f"{value:.5g}") if math.isfinite(value) else None  # JSON has no infinity (silence)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def passed(name: str, measured: str, asked: str, subject: str = "", /, **values: Any) -> Check:
    return Check(name, "passed", measured, asked, values, subject)


def failed(name: str, measured: str, asked: str, subject: str = "", /, **values: Any) -> Check:
    return Check(name, "failed", measured, asked, values, subject)


def judged(ok: bool, name: str, measured: str, asked: str, subject: str = "", /, **values: Any) -> Check:
    return Check(name, "passed" if ok else "failed", measured, asked, values, subject)


def not_checked(name: str, why: str, subject: str = "") -> Check:
    return Check(name, "not_checked", why, "", {}, subject)


@dataclass(frozen=True)
class Verdict:
    """Every check of one clip at one level, and the series the HTML report plots."""

    level: Level
    checks: tuple[Check, ...]
    series: Mapping[str, Any] = field(default_factory=dict)  # camera path, loudness curve, text boxes
    # CPU of the thread that ran the checks (time.thread_time): the decoder's own frame threads are not in it.
    cpu_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.failed)

    def lines(self, *, unchecked: bool = False, passed: bool = False) -> list[str]:
        """One line per failed check, then (if asked) per check not made and per check passed."""
        shown = [c for c in self.checks if c.failed or (unchecked and c.status == "not_checked")
                 or (passed and c.status == "passed")]
        order = {"failed": 0, "not_checked": 1, "passed": 2}
        return [c.line() for c in sorted(shown, key=lambda c: order[c.status])]

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "ok": self.ok,
            "cpu_s": round(self.cpu_s, 3),
            "checks": [c.as_dict() for c in self.checks],
            "series": dict(self.series),
        }


def check_from_dict(c: Mapping[str, Any]) -> Check:
    """A check as ``Check.as_dict`` wrote it (a journal's ``clip_check`` record, a JSON report)."""
    status = c.get("status")
    values = c.get("values")
    return Check(
        str(c.get("name", "")),
        status if status in ("passed", "failed", "not_checked") else "failed",
        str(c.get("measured", "")),
        str(c.get("asked", "")),
        dict(values) if isinstance(values, Mapping) else {},
        str(c.get("subject", "")),
    )


def verdict_from_dict(data: Mapping[str, Any]) -> Verdict:
    """A verdict as ``as_dict`` wrote it; unknown keys are ignored."""
    checks = [check_from_dict(c) for c in data.get("checks") or [] if isinstance(c, Mapping)]
    level = data.get("level")
    series = data.get("series")
    cpu = data.get("cpu_s")
    return Verdict(
        level if level in LEVELS else DEFAULT_LEVEL,
        tuple(checks),
        dict(series) if isinstance(series, Mapping) else {},
        float(cpu) if isinstance(cpu, int | float) else 0.0,
    )


def summary(checks: Sequence[Check]) -> str:
    """``41 passed, 1 not checked`` (failures first when there are any)."""
    counts = {s: sum(1 for c in checks if c.status == s) for s in ("failed", "passed", "not_checked")}
    parts = [f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n]
    return ", ".join(parts) or "nothing checked"
