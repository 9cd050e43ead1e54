"""Text in every script the bundled fonts cover is drawn with real glyphs, one face per line.

Each test renders a clip, decodes a frame and looks inside every glyph's box: the ink there must match
that character as the face draws it, not the face's "missing glyph" box, and not a stand-in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw, ImageFont

from motionctl.mock_server.render import RenderInputError, RenderOptions, render_draft
from motionctl.mock_server.render.fonts import FONT_DIR, emoji_face, face_for, text_faces
from motionctl.mock_server.render.geometry import frame_size
from motionctl.mock_server.render.text import Glyph, Overlay, prepare_overlay
from motionctl.mock_server.render.timeline import read_timeline
from tests.render.video_checks import BACKGROUND, decode_rgb, marker_picture, video_draft

PREVIEW = RenderOptions(quality="low", resolution="540p")
LATIN, CJK = (f.name for f in text_faces())


def _render(tmp_path: Path, text: str, size: int = 72) -> tuple[npt.NDArray[np.uint8], Overlay]:
    """The middle frame of a clip with ``text`` centred on a plain dark picture, and its overlay's layout."""
    picture = marker_picture(tmp_path / "plain.png", marker=0)
    track = {"tt": 7, "sg": [{"st": 0, "d": 600, "text": text, "pos": "center", "size": size}]}
    draft = video_draft(None, ms=600, extra_tracks=[track])
    out = tmp_path / "clip.mp4"
    render_draft(draft, {"cdn://pic": picture}, out, PREVIEW)
    timeline = read_timeline(draft)
    fsize = frame_size(timeline.aspect, PREVIEW.resolution)
    overlay = prepare_overlay(timeline.text[0], fsize, timeline.fps, timeline.reference_short_side, None)
    frames = decode_rgb(out)
    return frames[len(frames) // 2], overlay


def _mask(ch: str, face_name: str, px: int, shape: tuple[int, int]) -> npt.NDArray[np.float64]:
    """``ch`` as the face draws it alone (no outline), scaled into a box of ``shape``."""
    face = next(f for f in text_faces() if f.name == face_name)
    font = ImageFont.truetype(str(face.path), px)
    box = [round(v) for v in font.getbbox(ch, anchor="ls")]
    canvas = Image.new("L", (max(1, box[2] - box[0]), max(1, box[3] - box[1])))
    ImageDraw.Draw(canvas).text((-box[0], -box[1]), ch, font=font, fill=255, anchor="ls")
    return np.asarray(canvas.resize((shape[1], shape[0])), dtype=np.float64)


def _correlation(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / denominator if denominator else 0.0


def _assert_real_glyph(frame: npt.NDArray[np.uint8], glyph: Glyph, px: int) -> None:
    left, top, right, bottom = glyph.box
    region = frame[top:bottom, left:right].astype(np.float64)
    assert region.size, f"{glyph.char!r} has an empty box"
    luma = region.mean(axis=2)
    # White glyphs with a black outline on a grey-40 picture: bright ink inside the box.
    assert (luma > 200).mean() > 0.05, f"no ink inside the box of {glyph.char!r}"
    own = _correlation(luma, _mask(glyph.char, glyph.face, px, luma.shape))
    missing = _correlation(luma, _mask("\uffff", glyph.face, px, luma.shape))  # the face's .notdef box
    assert own > 0.5, f"{glyph.char!r} does not look like itself (correlation {own:.2f})"
    assert own > missing + 0.15, f"{glyph.char!r} looks like the missing-glyph box"


@pytest.mark.parametrize(
    ("text", "face"),
    [
        ("Café crème — déjà vu", LATIN),
        ("Ærø Straße łódź Œuvre", LATIN),
        ("夏季新品 限时八折", CJK),
        ("新作スニーカー、今だけ半額！", CJK),
        ("Acme 新品上市 — 30%", CJK),  # one face for the whole line, its Latin included
    ],
)
def test_every_glyph_is_drawn_from_the_bundled_face(tmp_path: Path, text: str, face: str) -> None:
    frame, overlay = _render(tmp_path, text)
    assert overlay.face == face
    drawn = "".join(g.char for g in overlay.glyphs)
    assert drawn == text.replace(" ", ""), "every character has its own glyph: nothing dropped or replaced"
    assert {g.face for g in overlay.glyphs} == {face}, "one face per line"
    px = round(72 * 540 / 1080)
    for glyph in overlay.glyphs:
        _assert_real_glyph(frame, glyph, px)


def test_emoji_are_drawn_in_colour_beside_the_text(tmp_path: Path) -> None:
    frame, overlay = _render(tmp_path, "Sale 🔥 now ❤️")
    emoji = [g for g in overlay.glyphs if g.face == emoji_face().name]
    assert [g.char for g in emoji] == ["🔥", "❤️"]
    assert {g.face for g in overlay.glyphs} - {emoji_face().name} == {LATIN}
    for glyph in emoji:
        left, top, right, bottom = glyph.box
        region = frame[top:bottom, left:right].astype(int)
        saturation = region.max(axis=2) - region.min(axis=2)
        assert (saturation > 80).mean() > 0.2, f"{glyph.char!r} is not a colour picture"
        red = region[..., 0] > region[..., 2] + 60  # 🔥 and ❤️ are mostly red/orange
        assert red.mean() > 0.15
    # The text around the emoji is still real glyphs.
    for glyph in overlay.glyphs:
        if glyph.face == LATIN:
            _assert_real_glyph(frame, glyph, round(72 * 540 / 1080))


def test_glyph_boxes_sit_where_the_ink_is(tmp_path: Path) -> None:
    frame, overlay = _render(tmp_path, "夏季 Café")
    luma = frame.astype(np.float64).mean(axis=2)
    bright = luma > 200
    inside = np.zeros_like(bright)
    for glyph in overlay.glyphs:
        left, top, right, bottom = glyph.box
        inside[top:bottom, left:right] = True
    # Nearly all the text's bright ink lies inside some glyph's box (the outline may spill a little).
    assert bright.sum() > 200
    assert (bright & inside).sum() / bright.sum() > 0.95
    assert abs(float(luma[~inside & ~bright].mean()) - BACKGROUND) < 15


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("สวัสดี sale", "U+0E2A THAI CHARACTER SO SUA"),
        ("Flamingo 🦩", "U+1F9A9 FLAMINGO"),
        ("ő 中", "U+0151 LATIN SMALL LETTER O WITH DOUBLE ACUTE"),  # each face has one, no face has both
    ],
)
def test_text_no_bundled_font_draws_is_refused_by_name(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(RenderInputError) as caught:
        _render(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(f"draft.t[1].sg[0].text {text!r}: the renderer has no glyph for ")
    assert named in message and "\n" not in message
    assert not (tmp_path / "clip.mp4").exists()


def test_faces_come_from_the_package_not_the_machine() -> None:
    for face in (*text_faces(), emoji_face()):
        assert face.path.parent == FONT_DIR and face.path.is_file()
    assert face_for("hello", "x").name == LATIN
    assert face_for("你好 hello", "x").name == CJK
    licences = sorted(p.name for p in (FONT_DIR / "LICENSES").iterdir())
    assert licences == [
        "OFL.txt",
        "fonts-noto-cjk.copyright",
        "fonts-noto-color-emoji.copyright",
        "fonts-noto-core.copyright",
    ]
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "LICENSES" / "OFL.txt").read_text()
    assert all("OFL" in (FONT_DIR / "LICENSES" / n).read_text() for n in licences)


def _line_alpha(
    parts: list[tuple[str, str]], px: int, shape: tuple[int, int], pad: int
) -> npt.NDArray[np.float64]:
    """The coverage of ``parts`` ((text, face name) drawn one after another, outlined), cropped to its ink."""
    faces = {f.name: f for f in text_faces()}
    stroke = round(px / 12)
    canvas = Image.new("L", (shape[1] * 2, shape[0] * 3))
    draw = ImageDraw.Draw(canvas)
    x = float(px)
    for text, name in parts:
        font = ImageFont.truetype(str(faces[name].path), px)
        draw.text(
            (x, shape[0] * 2), text, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255
        )
        x += font.getlength(text)
    ink = np.asarray(canvas.crop(canvas.getbbox()), dtype=np.float64) / 255
    out = np.zeros(shape)
    h, w = min(ink.shape[0], shape[0] - pad), min(ink.shape[1], shape[1] - pad)
    out[pad : pad + h, pad : pad + w] = ink[:h, :w]
    return out


def test_a_line_with_cjk_draws_its_latin_words_in_the_cjk_face_too() -> None:
    text = "Acme Rocket 新品"
    track = {"tt": 7, "sg": [{"st": 0, "d": 600, "text": text, "size": 72}]}
    timeline = read_timeline(video_draft(None, ms=600, extra_tracks=[track]))
    overlay = prepare_overlay(timeline.text[0], frame_size(timeline.aspect, "540p"), 30, 1080, None)
    alpha = overlay.alpha.astype(np.float64)
    px = 36  # 72 at 1080, drawn at 540p
    pad = round(px / 12) + 2  # the outline and the 2 px margin around the ink
    one_face = _line_alpha([(text, CJK)], px, alpha.shape, pad)
    two_faces = _line_alpha([("Acme Rocket ", LATIN), ("新品", CJK)], px, alpha.shape, pad)
    assert _correlation(alpha, one_face) > 0.95
    assert _correlation(alpha, two_faces) < _correlation(alpha, one_face) - 0.08
