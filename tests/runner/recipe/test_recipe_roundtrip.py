"""Every compiled sentence, fed to the mock's interpreter, makes the draft edit the recipe meant.

The expected values are worked out here from specs/motion.md and specs/instructions.md, independently of
both the compiler and the interpreter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motionctl.mock_server import drafts
from motionctl.mock_server.interpreter import interpret
from motionctl.runner.actions import Say, Upload
from motionctl.runner.recipe import compile_step, load_plan
from motionctl.runner.recipe.model import MotionPart, MotionStep
from tests.runner.recipe.recipes import FIXTURES

# specs/motion.md, "Amounts for speed words": zoom a, pan/tilt a, roll degrees.
SPEED_TABLE = {"slow": (0.10, 0.05, 3), "medium": (0.20, 0.10, 6), "fast": (0.35, 0.20, 12)}
KIND = {".png": "image", ".jpg": "image", ".mp3": "audio"}


class Session:
    """The draft and library of one mock session, driven the way the engine drives the API."""

    def __init__(self) -> None:
        self.draft: dict[str, Any] = drafts.new_draft()
        self.library: list[dict[str, Any]] = []

    def upload(self, path: Path) -> None:
        info = {"filename": path.name, "file_type": KIND[path.suffix], "cdn_url": f"https://cdn.test/{path.name}"}
        self.library.append(info)
        if info["file_type"] == "image":
            self.draft = drafts.set_source(self.draft, info["cdn_url"], path.name, keep_motion=False)

    def say(self, sentence: str) -> None:
        result = interpret(sentence, self.draft, self.library)
        assert result.understood, f"{sentence!r}: {result.reply}"
        self.draft = result.draft

    def video(self) -> dict[str, Any]:
        segment = drafts.video_segment(self.draft)
        assert segment is not None
        return segment

    def texts(self) -> list[dict[str, Any]]:
        track = drafts.track(self.draft, drafts.TEXT)
        return list(track["sg"]) if track else []

    def music(self) -> dict[str, Any] | None:
        track = drafts.track(self.draft, drafts.AUDIO)
        return track["sg"][0] if track else None


def close(motion: dict[str, Any]) -> dict[str, Any]:
    """``motion`` with its number pairs compared to within 1e-6 (the interpreter rounds to 6 places)."""
    return {k: pytest.approx(v, abs=1e-6) if isinstance(v, list) else v for k, v in motion.items()}


def test_every_compiled_sentence_makes_the_intended_edit(tmp_path: Path) -> None:
    (job,) = load_plan(FIXTURES / "every-step.yaml", out_dir=tmp_path).jobs
    session = Session()
    says = iter(a for a in job.actions if isinstance(a, Say) and not a.free_text)
    upload = job.actions[0]
    assert isinstance(upload, Upload)
    for path in upload.paths:
        session.upload(path)

    def step() -> None:
        session.say(next(says).sentence)

    step()  # aspect 16:9 (youtube)
    meta = session.draft["m"]
    assert (meta["aspect"], meta["width"], meta["height"]) == ("16:9", 1920, 1080)
    step()  # duration 8s
    assert session.draft["d"] == 8000 and session.video()["d"] == 8000
    step()  # use shoe.png
    assert session.video()["name"] == "shoe.png" and session.video()["src"] == "https://cdn.test/shoe.png"
    step()  # slow zoom in, slow pan left
    assert session.video()["motion"] == close(
        {"zoom": [1.0, 1.1], "pan": [-0.05, 0.0], "easing": "ease-in-out"})
    step()  # zoom out 15%, tilt up 4%, roll clockwise 5 degrees, focus top-left, linear, over 2.5s
    assert session.video()["motion"] == close(
        {"zoom": [1.15, 1.0], "pan": [0.0, -0.04], "roll": [0.0, 5.0], "focus": [0.25, 0.25],
         "easing": "linear", "d": 2500})
    step()  # fast pan right 12.5%, fast tilt down 12.5%, focus 30% 60%, ease-out
    assert session.video()["motion"] == close(
        {"pan": [0.125, 0.125], "focus": [0.3, 0.6], "easing": "ease-out"})
    step()
    step()
    step()  # three texts
    shown = [(t["text"], t["st"], t["d"], t["pos"], t.get("size"), t.get("color")) for t in session.texts()]
    assert shown == [('Acme says "hi"', 500, 3000, "bottom", None, None),
                     ("Sale", 1000, 2000, "top", 64, "#FFCC00"),
                     ("Corner", 0, 1500, pytest.approx([0.2, 0.8]), None, None)]
    step()  # replace
    step()  # remove one
    assert [t["text"] for t in session.texts()] == ['Acme says "hi"', "Big sale"]
    step()  # lo-fi at the defaults' 40%
    assert session.music() == {"id": "a1", "st": 0, "d": 8000, "src": "mood:lo-fi", "name": "lo-fi",
                               "vol": 40}
    step()
    assert session.music()["vol"] == 25  # type: ignore[index]
    step()  # from the uploaded file
    music = session.music()
    assert music is not None and (music["src"], music["vol"]) == ("https://cdn.test/song.mp3", 50)
    step()
    assert session.draft["m"]["aspect"] == "9:16"
    step()
    assert session.draft["d"] == 6250
    motion_before = session.video()["motion"]
    step()  # use bag.jpg: the source changes, the motion stays
    assert session.video()["name"] == "bag.jpg" and session.video()["motion"] == motion_before
    step()
    assert session.video()["motion"] is None
    step()
    assert session.texts() == []
    step()
    assert session.music() is None
    assert next(says, None) is None


def expected_motion(step: MotionStep) -> dict[str, Any]:
    """What specs/motion.md says a structured motion means, worked out directly from its tables."""
    zoom_a, pan_a, roll_deg = SPEED_TABLE[step.speed or "medium"]
    motion: dict[str, Any] = {}
    pan = [0.0, 0.0]
    for part in step.parts:
        if part.axis == "zoom":
            a = part.amount / 100 if part.amount is not None else zoom_a
            motion["zoom"] = [1.0, 1 + a] if part.direction == "in" else [1 + a, 1.0]
        elif part.axis in ("pan", "tilt"):
            a = part.amount / 100 if part.amount is not None else pan_a
            sign = -1 if part.direction in ("left", "up") else 1
            pan[0 if part.axis == "pan" else 1] = sign * a
            motion["pan"] = pan
        else:
            deg = part.amount if part.amount is not None else roll_deg
            motion["roll"] = [0.0, deg if part.direction == "clockwise" else -deg]
    if step.focus is not None:
        motion["focus"] = [step.focus[0] / 100, step.focus[1] / 100]
    motion["easing"] = step.easing or "ease-in-out"
    if step.duration_ms is not None:
        motion["d"] = step.duration_ms
    return motion


DIRECTIONS = {"zoom": ("in", "out"), "pan": ("left", "right"), "tilt": ("up", "down"),
              "roll": ("clockwise", "counterclockwise")}
percent = st.integers(1, 10_000).map(lambda n: n / 100)  # 0.01 … 100, two decimals as recipes write them


@st.composite
def motions(draw: st.DrawFn) -> MotionStep:
    axes = draw(st.lists(st.sampled_from(list(DIRECTIONS)), min_size=1, max_size=4, unique=True))
    parts = tuple(
        MotionPart(axis, draw(st.sampled_from(DIRECTIONS[axis])),
                   draw(st.none() | (st.integers(1, 45).map(float) if axis == "roll" else percent)))
        for axis in ("zoom", "pan", "tilt", "roll") if axis in axes)
    return MotionStep(
        parts=parts,
        speed=draw(st.none() | st.sampled_from(["slow", "medium", "fast"])),
        easing=draw(st.none() | st.sampled_from(["linear", "ease-in", "ease-out", "ease-in-out"])),
        focus=draw(st.none() | st.tuples(st.integers(0, 100).map(float), st.integers(0, 100).map(float))),
        duration_ms=draw(st.none() | st.integers(1, 60_000)),
    )


@settings(max_examples=200, deadline=None)
@given(motions())
def test_any_structured_motion_round_trips_through_the_interpreter(step: MotionStep) -> None:
    session = Session()
    session.upload(FIXTURES / "shoe.png")
    session.say(compile_step(step))
    assert session.video()["motion"] == close(expected_motion(step))
