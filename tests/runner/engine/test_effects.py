"""What "done" means per step kind: runner.effects against hand-made states (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from motionctl.runner.actions import Effect, Say, Where
from motionctl.runner.effects import missing_uploads, new_uploads, step_of_render_failure, unmet


def state(*, motion: dict[str, Any] | None = None, texts: tuple[str, ...] = (),
          music: dict[str, Any] | None = None, d: int = 5000, aspect: str | None = "16:9",
          name: str = "a.jpg") -> dict[str, Any]:
    tracks: list[dict[str, Any]] = [{"tt": 0, "sg": [{"st": 0, "d": d, "src": f"http://h/cdn/1/{name}",
                                                      "name": name, "motion": motion}]}]
    if texts:
        tracks.append({"tt": 7, "sg": [{"st": 0, "d": 1000, "text": t} for t in texts]})
    if music:
        tracks.append({"tt": 1, "sg": [music]})
    return {"draft": {"d": d, "m": {"aspect": aspect}, "t": tracks},
            "video_infos": [{"filename": name}]}


ZOOM_IN_PAN_LEFT = {"zoom": [1.0, 1.1], "pan": [-0.05, 0.0], "easing": "ease-in-out"}


@pytest.mark.parametrize(("effect", "before", "after", "problem"), [
    (Effect("motion", motion={"zoom": "in", "pan": "left"}), state(), state(motion=ZOOM_IN_PAN_LEFT), None),
    (Effect("motion", motion={"zoom": "out"}), state(), state(motion=ZOOM_IN_PAN_LEFT), "does not zoom out"),
    (Effect("motion", motion={"tilt": "up"}), state(), state(motion=ZOOM_IN_PAN_LEFT), "does not tilt up"),
    (Effect("motion", motion={"zoom": "in"}, easing="linear"), state(), state(motion=ZOOM_IN_PAN_LEFT),
     "easing is ease-in-out, not linear"),
    (Effect("motion", motion={"zoom": "in"}), state(), state(), "no camera motion"),
    (Effect("motion", motion={"roll": "clockwise"}), state(), state(motion={"roll": [0, 3]}), None),
    (Effect("motion", motion={"roll": "clockwise"}), state(), state(motion={"roll": [0, -3]}),
     "the motion's roll [0, -3] does not roll clockwise"),
    (Effect("motion", motion={"roll": "counterclockwise"}), state(), state(motion={"roll": [0, -3]}), None),
    (Effect("motion", motion={"roll": "counterclockwise"}), state(), state(motion={"roll": [0, 0]}),
     "does not roll counterclockwise"),
    (Effect("motion", motion={"roll": "clockwise"}), state(), state(motion=ZOOM_IN_PAN_LEFT),
     "the motion has no roll"),
    (Effect("motion", motion={"pan": "right", "tilt": "down"}), state(),
     state(motion={"pan": [0.05, 0.05]}), None),
    (Effect("motion", motion={"pan": "right"}), state(), state(motion={"pan": [-0.05, 0]}),
     "does not pan right"),
    (Effect("motion", motion={"tilt": "down"}), state(), state(motion={"pan": [0, -0.05]}),
     "does not tilt down"),
    (Effect("motion", motion={"zoom": "out"}), state(), state(motion={"zoom": [1.1, 1.0]}), None),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={"zoom": [1.0, 1.0]}),
     "does not zoom in"),
    (Effect("motion", motion={"zoom": "in"}, easing="linear"), state(),
     state(motion={"zoom": [1.0, 1.1], "easing": "linear"}), None),
    (Effect("text", text="Sale"), state(), state(texts=("Sale",)), None),
    (Effect("text", text="Sale"), state(texts=("Sale",)), state(texts=("Sale",)), 'no text "Sale" was added'),
    (Effect("remove_text", text="x"), state(), state(), 'there was no text "x" to remove'),
    (Effect("remove_text", text="x"), state(texts=("x", "y")), state(texts=("y",)), None),
    (Effect("remove_all_text"), state(texts=("x",)), state(texts=("x",)), "still there"),
    (Effect("replace", text="a", new_text="b"), state(texts=("a",)), state(texts=("b",)), None),
    (Effect("replace", text="a", new_text="b"), state(texts=("a",)), state(texts=("a",)), "was not replaced"),
    (Effect("remove_motion"), state(), state(), "no camera motion to remove"),
    (Effect("remove_music"), state(music={"src": "mood:calm"}), state(), None),
    (Effect("music", volume=30, mood="lo-fi"), state(), state(music={"src": "mood:lo-fi", "vol": 30}), None),
    (Effect("music", volume=30, mood="lo-fi"), state(), state(music={"src": "mood:lo-fi", "vol": 35}),
     "volume is 35%, not 30%"),
    (Effect("music", volume=40, file="my tone.wav"), state(),
     state(music={"src": "http://h/cdn/2/my_tone.wav", "vol": 40}), None),
    (Effect("music", volume=30, mood="lo-fi"), state(), state(music={"src": "mood:epic", "vol": 30}),
     "the music is mood:epic, not the lo-fi mood"),
    (Effect("music", volume=40, file="my tone.wav"), state(),
     state(music={"src": "http://h/cdn/2/other.wav", "name": "other.wav", "vol": 40}),
     'the music is other.wav, not "my_tone.wav"'),
    (Effect("music", volume=40, file="my tone.wav"), state(),
     state(music={"src": "mood:lo-fi", "vol": 40}), 'the music is mood:lo-fi, not "my_tone.wav"'),
    (Effect("music", volume=40, file="my tone.wav"), state(),
     state(music={"src": "http://h/cdn/2/x.wav", "name": "my_tone.wav", "vol": 40}), None),
    (Effect("music", volume=30, mood="lo-fi"), state(), state(music={"src": "mood:lo-fi"}),
     "volume is 100%, not 30%"),  # no volume in the state is the API's default, full volume
    (Effect("volume", volume=20), state(music={"src": "mood:calm", "vol": 35}), state(), "no music track"),
    (Effect("volume", volume=20), state(), state(music={"src": "mood:calm", "vol": 20}), None),
    (Effect("aspect", aspect="9:16"), state(), state(aspect="16:9"), "aspect ratio is 16:9, not 9:16"),
    (Effect("duration", duration_ms=6000), state(), state(d=6000), None),
    (Effect("duration", duration_ms=6000), state(), state(d=5000), "duration is 5s, not 6s"),
    (Effect("use", file="with space é.jpg"), state(), state(name="with_space_é.jpg"), None),
    (Effect("use", file="b.jpg"), state(), state(name="a.jpg"), 'active image is a.jpg, not "b.jpg"'),
    (Effect("changed"), state(), state(), "nothing changed"),
    (None, state(), state(d=3000), None),
])
def test_each_kind_is_done_only_when_the_state_shows_what_it_asked(
        effect: Effect | None, before: dict[str, Any], after: dict[str, Any], problem: str | None) -> None:
    names = {"my tone.wav": "my_tone.wav", "with space é.jpg": "with_space_é.jpg"}
    found = unmet(effect, before, after, names)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_uploads_are_checked_by_the_names_the_api_returned() -> None:
    before = {"video_infos": [{"filename": "a.jpg"}]}
    after = {"video_infos": [{"filename": "a.jpg"}, {"filename": "with_space_é.jpg"}]}
    assert missing_uploads(["with_space_é.jpg"], after) == []
    assert missing_uploads(["with space é.jpg"], after) == ["with space é.jpg"]
    assert new_uploads(before, after) == ["with_space_é.jpg"]
    assert new_uploads(after, after) == []


def test_a_sentence_is_bound_to_the_uploaded_names_at_run_time() -> None:
    say = Say('Add background music from the file "my \\"tone\\".wav" at 40% volume.',
              Where("r.yaml", 1, 1, 1, "music"), uploads=('my "tone".wav',))
    assert say.bound({'my "tone".wav': "my_tone_.wav"}) == \
        'Add background music from the file "my_tone_.wav" at 40% volume.'
    assert say.bound({}) == say.sentence


def test_a_render_failure_about_a_text_belongs_to_the_step_that_put_it_there() -> None:
    def at(n: int, kind: str) -> Where:
        return Where("r.yaml", n, 5, n, kind)

    steps = [Say('Add the text "SALE" …', at(3, "text"), effect=Effect("text", text="SALE")),
             Say('Replace the text "SALE" with "搶購".', at(4, "replace"),
                 effect=Effect("replace", text="SALE", new_text="搶購")),
             Say('Put the words "Lift off" on top', at(5, "say"), free_text=True)]
    draft = state(texts=("搶購", "Lift off"))["draft"]
    glyph = "draft.t[1].sg[0].text '搶購': the renderer has no glyph for '搶'"
    assert step_of_render_failure(glyph, steps, draft) == at(4, "replace")
    assert step_of_render_failure(glyph.replace("sg[0]", "sg[1]"), steps, draft) == at(5, "say")
    assert step_of_render_failure("draft.t[1].sg[7].pos: …", steps, draft) is None  # no such segment
    assert step_of_render_failure("the render node reported an error", steps, draft) is None


def bare(**draft: Any) -> dict[str, Any]:
    """A state whose draft is exactly ``draft`` (no image, no defaults)."""
    return {"draft": draft}


MUSIC = {"tt": 1, "sg": [{"src": "mood:calm", "vol": 30}]}


@pytest.mark.parametrize(("effect", "before", "after", "message"), [
    (None, state(), state(), "nothing changed in the session state"),
    (Effect("remove_music"), state(), state(), "there was no music to remove"),
    (Effect("remove_music"), state(music={"src": "mood:calm"}), state(music={"src": "mood:calm"}),
     "the music is still there"),
    (Effect("remove_motion"), state(motion=ZOOM_IN_PAN_LEFT), state(motion=ZOOM_IN_PAN_LEFT),
     "the camera motion is still there"),
    (Effect("remove_motion"), state(motion=ZOOM_IN_PAN_LEFT), state(), None),
    (Effect("remove_all_text"), state(), state(), "there was no text to remove"),
    (Effect("remove_all_text"), state(texts=("x", "y")), state(texts=("x", "y")),
     "2 text(s) are still there"),
    (Effect("remove_all_text"), state(texts=("x", "y")), state(), None),
    (Effect("remove_text", text="x"), state(texts=("x",)), state(texts=("x",)),
     'the text "x" is still there'),
    (Effect("replace", text="a", new_text="b"), state(texts=("a",)), state(texts=("a", "b")),
     'the text "a" was not replaced by "b"'),
    (Effect("replace", text="a", new_text="b"), state(), state(texts=("b",)),
     'there was no text "a" to replace'),
    (Effect("aspect", aspect="9:16"), state(), state(aspect=None), "the aspect ratio is unset, not 9:16"),
    (Effect("duration", duration_ms=6000), state(), bare(t=[]), "the duration is unset, not 6s"),
    (Effect("use", file="b.jpg"), state(), bare(t=[{"tt": 0, "sg": [{"src": "http://h/cdn/1/c.jpg"}]}]),
     'the active image is none, not "b.jpg"'),
    (Effect("use", file="b.jpg"), state(), bare(t=[{"tt": 0, "sg": [{"src": "http://h/cdn/1/b.jpg?sig=1"}]}]),
     None),
    (Effect("music", volume=30), state(), state(), "there is no music track"),
    (Effect("music", volume=30), state(), bare(t=[MUSIC]), None),
    (Effect("music", volume=30), state(), bare(t=[{"tt": 1, "sg": [{"src": "mood:calm", "vol": 30.5}]}]),
     "the music volume is 30.5%, not 30%"),
    (Effect("music", mood="calm"), state(), bare(t=[{"tt": 1, "sg": [{"vol": 30}]}]),
     "the music is unset, not the calm mood"),
    (Effect("music", file="a b.wav"), state(), bare(t=[{"tt": 1, "sg": [{"vol": 30}]}]),
     'the music is unset, not "a b.wav"'),
    (Effect("music", file="a b.wav"), state(), bare(t=[{"tt": 1, "sg": [{"src": "http://h/cdn/2/a%20b.wav/"}]}]),
     None),
    (Effect("music", file="a b.wav"), state(),
     bare(t=[{"tt": 1, "sg": [{"src": "http://h/x/a b.wav?v=1/2"}]}]),
     None),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={"zoom": [1.0, "1.1"]}),
     "the motion has no zoom"),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={"zoom": [1.0, True]}),
     "the motion has no zoom"),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={"zoom": [1.0]}),
     "the motion has no zoom"),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={"zoom": (1.0, 1.1)}),
     "the motion has no zoom"),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={"zoom": [1.0, 1.1], "roll": [0, 2]}),
     None),
    (Effect("motion", motion={"focus": "top"}), state(), state(motion={"zoom": [1.0, 1.1]}),
     "the motion has no focus"),  # an axis without a direction: only that it is there
    (Effect("motion", motion={"focus": "top"}), state(), state(motion={"focus": [0.5, 0.2]}), None),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={"zoom": [1.1, 1.0]}),
     "the motion's zoom [1.1, 1.0] does not zoom in"),
    (Effect("motion", motion={"pan": "left"}), state(), state(motion={"pan": [-0.5, 0]}), None),
    (Effect("motion", motion={"zoom": "in"}, easing="linear"), state(), state(motion={"zoom": [1.0, 1.1]}),
     "the motion's easing is None, not linear"),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion={}), "the image has no camera motion"),
    (Effect("motion", motion={"zoom": "in"}), state(), state(motion="zoom"),
     "the image has no camera motion"),
    (Effect("remove_motion"), bare(t=[]), bare(t=[]), "there was no camera motion to remove"),
    (Effect("use", file="b.jpg"), state(),
     bare(t=[{"tt": 0, "sg": [{"src": "http://h/1/x.jpg", "name": "b.jpg"}]}]),
     None),  # the name the API gave it counts, whatever the URL ends in
    (Effect("music", file="a b.wav"), state(),
     bare(t=[{"tt": 1, "sg": [{"src": "http://h/cdn/2/x_7.wav", "name": "Other Song.wav"}]}]),
     'the music is Other Song.wav, not "a b.wav"'),
    (Effect("music", file="a b.wav"), state(),
     bare(t=[{"tt": 1, "sg": [{"src": "http://h/a b.wav?x=1?y=2"}]}]), None),
    (Effect("music", volume=30), state(),
     bare(t=[{"tt": 1, "sg": [{"src": "mood:calm", "vol": 30.0000005}]}]), None),  # within a millionth
])
def test_each_kind_says_exactly_what_is_missing(
        effect: Effect | None, before: dict[str, Any], after: dict[str, Any], message: str | None) -> None:
    assert unmet(effect, before, after, {"a b.wav": "a b.wav"}) == message


def test_new_uploads_are_the_names_added_after_the_old_ones_only() -> None:
    before = {"video_infos": [{"filename": "a.jpg"}, {"filename": "b.jpg"}]}
    assert new_uploads(before, {"video_infos": [{"filename": "b.jpg"}, {"filename": "c.jpg"}]}) == []
    assert new_uploads({}, {"video_infos": [{"filename": "a.jpg"}, "junk"]}) == ["a.jpg"]
    assert new_uploads({"video_infos": [{"filename": "a.jpg"}]},
                       {"video_infos": [{"filename": "b.jpg"}, {"filename": "c.jpg"}]}) == []
