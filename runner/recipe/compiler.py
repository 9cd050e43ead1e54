"""Structured steps → one canonical sentence each (specs/instructions.md), the same bytes every run."""

from __future__ import annotations

from ..actions import CHANGED, Effect
from .model import (
    AspectStep,
    DurationStep,
    MotionPart,
    MotionStep,
    MusicStep,
    RemoveStep,
    ReplaceStep,
    SayStep,
    Step,
    TextStep,
    UseStep,
)
from .presets import Platform

SentenceStep = (MotionStep | SayStep | TextStep | RemoveStep | ReplaceStep | MusicStep | AspectStep
                | DurationStep | UseStep)


def number(value: float) -> str:
    """A number without trailing zeros: 15, 2.5, 0.125 (at most three decimals)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def seconds(ms: int) -> str:
    return f"{number(ms / 1000)}s"


def quote(text: str) -> str:
    """Text inside "…": a double quote is written as \\" (instructions.md)."""
    return '"' + text.replace('"', '\\"') + '"'


def compile_step(step: Step) -> str:
    """The sentence a step sends over /run_sse.

    Raises:
        TypeError: ``step`` sends no sentence (upload, expect, export are API calls of their own).
    """
    match step:
        case MotionStep():
            return _motion(step)
        case SayStep():
            return step.text
        case TextStep():
            where = (f"at the {step.position}" if isinstance(step.position, str)
                     else f"at {number(step.position[0])}% {number(step.position[1])}%")
            extras = "".join([f", size {step.size}" if step.size else "",
                              f", color {step.color}" if step.color else "",
                              "" if step.keep_safe else ", ignoring the safe zone"])
            return (f"Add the text {quote(step.content)} from {seconds(step.start_ms)} "
                    f"for {seconds(step.length_ms)} {where}{extras}.")
        case RemoveStep(what="motion"):
            return "Remove the camera motion."
        case RemoveStep(what="music"):
            return "Remove the background music."
        case RemoveStep(what="text", text=None):
            return "Remove all text."
        case RemoveStep(text=str() as content):
            return f"Remove the text {quote(content)}."
        case ReplaceStep():
            return f"Replace the text {quote(step.old)} with {quote(step.new)}."
        case MusicStep() if step.volume_only:
            return f"Set the music volume to {number(step.volume)}%."
        case MusicStep(mood=str() as mood):
            return f"Add background music: {mood} mood at {number(step.volume)}% volume."
        case MusicStep(file=str() as file):
            return f"Add background music from the file {quote(file)} at {number(step.volume)}% volume."
        case AspectStep(platform=Platform() as platform):
            # The platform travels with the ratio: the renderer keeps text inside that platform's safe zone.
            return f"Set the aspect ratio to {step.ratio} for {platform.name}."
        case AspectStep():
            return f"Set the aspect ratio to {step.ratio}."
        case DurationStep():
            return f"Set the duration to {seconds(step.ms)}."
        case UseStep():
            return f"Use the image {quote(step.name)}."
    raise TypeError(f"a {step.kind} step sends no instruction")


def _motion(step: MotionStep) -> str:
    parts = ", ".join(_part(p, step.speed) for p in step.parts)
    focus = f", focus at {number(step.focus[0])}% {number(step.focus[1])}%" if step.focus else ""
    easing = f", easing {step.easing}" if step.easing else ""
    over = f", over {seconds(step.duration_ms)}" if step.duration_ms else ""
    return f"Animate the image with camera motion: {parts}{focus}{easing}{over}."


def _part(part: MotionPart, speed: str | None) -> str:
    # The speed word goes on every part, not only the first: explicit beats the interpreter's carry-over rule.
    words = f"{speed} " if speed else ""
    words += f"{part.axis} {part.direction}"
    if part.amount is not None:
        words += f" {number(part.amount)} degrees" if part.axis == "roll" else f" {number(part.amount)}%"
    return words


def effect_of(step: Step) -> Effect:
    """What the session state must show once a sentence step is done (checked by runner/effects.py)."""
    match step:
        case MotionStep():
            return Effect("motion", motion={p.axis: p.direction for p in step.parts}, easing=step.easing)
        case TextStep():
            return Effect("text", text=step.content)
        case RemoveStep(what="motion"):
            return Effect("remove_motion")
        case RemoveStep(what="music"):
            return Effect("remove_music")
        case RemoveStep(what="text", text=None):
            return Effect("remove_all_text")
        case RemoveStep(text=str() as content):
            return Effect("remove_text", text=content)
        case ReplaceStep():
            return Effect("replace", text=step.old, new_text=step.new)
        case MusicStep() if step.volume_only:
            return Effect("volume", volume=step.volume)
        case MusicStep():
            return Effect("music", volume=step.volume, mood=step.mood, file=step.file)
        case AspectStep():
            return Effect("aspect", aspect=step.ratio)
        case DurationStep():
            return Effect("duration", duration_ms=step.ms)
        case UseStep():
            return Effect("use", file=step.name)
    return CHANGED


def uploads_quoted(step: Step) -> tuple[str, ...]:
    """The local upload names a step's sentence quotes, which the engine binds to the API's names."""
    match step:
        case UseStep():
            return (step.name,)
        case MusicStep(file=str() as file):
            return (file,)
    return ()
