"""What each export of a job asks of its clip, folded from the job's steps (for the clip QC, runner/qc/).

The fold follows the draft edits specs/instructions.md states for each sentence, in the recipe's own
terms: an uploaded image becomes the picture and resets the motion, ``use`` switches it and keeps the
motion, a motion step replaces the move (amounts from specs/motion.md's speed table when none is given), a
text is cut at the clip's end as it is when added and again when the duration shrinks, music covers the
whole clip. A ``say:`` step's free text could change anything, so every field it comes after is marked
with its action index; the engine settles those from what the step did (runner/qc/asked.py ``resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..actions import Export, Where
from ..qc.asked import (
    DEFAULT_ASPECT,
    DEFAULT_DURATION_MS,
    FIELDS,
    AskedClip,
    AskedMotion,
    AskedMusic,
    AskedText,
    ClipAssertions,
    Readable,
)
from . import model
from .presets import AUDIO_SUFFIXES, DEFAULT_SPEED, SPEED_AMOUNTS, Platform


def motion_of(step: model.MotionStep) -> AskedMotion:
    """A motion step's move in the draft's units (specs/motion.md)."""
    zoom, pan, roll = (1.0, 1.0), [0.0, 0.0], (0.0, 0.0)
    for part in step.parts:
        amount = (
            part.amount if part.amount is not None else SPEED_AMOUNTS[step.speed or DEFAULT_SPEED][part.axis]
        )
        if part.axis == "zoom":
            zoom = (1.0, 1.0 + amount / 100) if part.direction == "in" else (1.0 + amount / 100, 1.0)
        elif part.axis == "pan":
            pan[0] = amount / 100 if part.direction == "right" else -amount / 100
        elif part.axis == "tilt":
            pan[1] = amount / 100 if part.direction == "down" else -amount / 100
        else:
            roll = (0.0, amount if part.direction == "clockwise" else -amount)
    focus = (0.5, 0.5) if step.focus is None else (step.focus[0] / 100, step.focus[1] / 100)
    return AskedMotion(
        zoom=zoom,
        pan=(pan[0], pan[1]),
        roll=roll,
        focus=focus,
        easing=step.easing or "ease-in-out",
        duration_ms=step.duration_ms,
    )


@dataclass
class ClipFold:
    """The clip a job asks for after the steps seen so far."""

    aspect: str = DEFAULT_ASPECT
    platform: Platform | None = None
    duration_ms: int = DEFAULT_DURATION_MS
    image: Path | None = None
    images: dict[str, Path] = field(default_factory=dict)  # uploaded name → local file
    audio: dict[str, Path] = field(default_factory=dict)
    motion: AskedMotion = field(default_factory=AskedMotion)
    texts: list[AskedText] = field(default_factory=list)
    music: AskedMusic | None = None
    say_steps: dict[str, list[int]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    say_labels: dict[int, str] = field(default_factory=dict)
    assertions: list[ClipAssertions] = field(default_factory=list)

    def upload(self, paths: tuple[Path, ...]) -> None:
        for path in paths:
            if path.suffix.lower() in AUDIO_SUFFIXES:
                self.audio[path.name] = path
            else:
                self.images[path.name] = path
                self.image = path
                self._set("motion")
                self.motion = AskedMotion()

    def _set(self, name: str) -> None:
        self.say_steps[name] = []

    def step(self, step: model.Step, where: Where, index: int) -> None:
        """Fold one step (``index``: its action's 1-based place in the job, for a say step)."""
        match step:
            case model.SayStep():
                self.say_labels[index] = where.label
                for name in FIELDS:
                    self.say_steps[name].append(index)
            case model.MotionStep():
                self._set("motion")
                self.motion = motion_of(step)
            case model.RemoveStep(what="motion"):
                self._set("motion")
                self.motion = AskedMotion()
            case model.UseStep(name=name) if name in self.images:
                self.image = self.images[name]
            case model.AspectStep():
                self._set("aspect")
                self.aspect, self.platform = step.ratio, step.platform
            case model.DurationStep():
                self._set("duration")
                self.duration_ms = step.ms
                self.texts = [
                    t if t.end_ms <= step.ms else _cut(t, step.ms) for t in self.texts if t.start_ms < step.ms
                ]
            case model.TextStep():
                position = (
                    step.position
                    if isinstance(step.position, str)
                    else (step.position[0] / 100, step.position[1] / 100)
                )
                length = max(0, min(step.length_ms, self.duration_ms - step.start_ms))
                self.texts.append(
                    AskedText(
                        step.content,
                        step.start_ms,
                        length,
                        position,
                        step.size,
                        step.color,
                        step.keep_safe,
                        where.label,
                    )
                )
            case model.RemoveStep(what="text", text=None):
                self._set("texts")
                self.texts = []
            case model.RemoveStep(what="text", text=str() as content):
                self.texts = [t for t in self.texts if t.content != content]
            case model.ReplaceStep():
                self.texts = [_renamed(t, step.new) if t.content == step.old else t for t in self.texts]
            case model.MusicStep() if step.volume_only:
                if self.music is not None:
                    self.music = AskedMusic(step.volume, self.music.mood, self.music.file, self.music.name)
            case model.MusicStep():
                self._set("music")
                self.music = AskedMusic(
                    step.volume, step.mood, self.audio.get(step.file or ""), step.file or f"mood:{step.mood}"
                )
            case model.RemoveStep(what="music"):
                self._set("music")
                self.music = None
            case model.ExpectStep(clip=model.ClipExpect() as clip):
                self.assertions.append(
                    ClipAssertions(
                        where.label,
                        clip.loudness,
                        clip.loudness_tolerance,
                        clip.max_true_peak,
                        tuple(Readable(r.text, r.at_ms) for r in clip.readable),
                    )
                )

    def asked(self, export: Export) -> AskedClip:
        """What the export asks of its clip; the ``expect: clip`` assertions so far apply to this one."""
        clip = AskedClip(
            format=export.format,
            resolution=export.resolution,
            aspect=self.aspect,
            platform=self.platform.name if self.platform else None,
            duration_ms=self.duration_ms,
            image=self.image,
            motion=self.motion,
            texts=tuple(self.texts),
            music=self.music,
            assertions=tuple(self.assertions),
            say_steps={k: tuple(v) for k, v in self.say_steps.items() if v},
            say_labels=dict(self.say_labels),
        )
        self.assertions = []
        return clip


def _cut(text: AskedText, end_ms: int) -> AskedText:
    return AskedText(
        text.content,
        text.start_ms,
        end_ms - text.start_ms,
        text.position,
        text.size,
        text.color,
        text.keep_safe,
        text.step,
    )


def _renamed(text: AskedText, content: str) -> AskedText:
    return AskedText(
        content,
        text.start_ms,
        text.length_ms,
        text.position,
        text.size,
        text.color,
        text.keep_safe,
        text.step,
    )
