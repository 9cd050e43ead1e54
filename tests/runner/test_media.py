"""Local upload checks: type by magic bytes on real files, and the 4001/4002 messages."""

from __future__ import annotations

import random
import wave
import zlib
from pathlib import Path

import av
import pillow_heif
import pytest
from PIL import Image

from motionctl.runner.errors import MediaError, MediaTooLarge, UnsupportedMediaType
from motionctl.runner.media import ALLOWED, IMAGES, check_upload, sniff, sniff_bytes

pillow_heif.register_heif_opener()


def _image(tmp_path: Path, fmt: str, name: str) -> Path:
    path = tmp_path / name
    Image.new("RGB", (16, 16), "red").save(path, format=fmt)
    return path


@pytest.mark.parametrize(
    ("fmt", "name", "kind"),
    [
        ("JPEG", "a.jpg", "jpg"),
        ("PNG", "a.png", "png"),
        ("WEBP", "a.webp", "webp"),
        ("GIF", "a.gif", "gif"),
        ("HEIF", "a.heic", "heic"),
    ],
)
def test_real_images_are_recognised(tmp_path: Path, fmt: str, name: str, kind: str) -> None:
    path = _image(tmp_path, fmt, name)
    assert sniff(path) == kind and check_upload(path) == kind


def _encode(path: Path, container: str, codec: str, audio: bool) -> Path:
    with av.open(str(path), "w", format=container) as out:
        if audio:
            stream = out.add_stream(codec, rate=44100)
            frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = 44100
            for _ in range(3):
                for packet in stream.encode(frame):
                    out.mux(packet)
        else:
            stream = out.add_stream(codec, rate=10)
            stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
            for _ in range(3):
                for packet in stream.encode(av.VideoFrame.from_image(Image.new("RGB", (32, 32)))):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@pytest.mark.parametrize(
    ("name", "container", "codec", "audio", "kind"),
    [
        ("a.mp4", "mp4", "libx264", False, "mp4"),
        ("a.mov", "mov", "libx264", False, "mov"),
        ("a.webm", "webm", "libvpx", False, "webm"),
        ("a.mkv", "matroska", "libx264", False, "mkv"),
        ("a.m4a", "ipod", "aac", True, "m4a"),
        ("a.mp3", "mp3", "libmp3lame", True, "mp3"),
        ("a.aac", "adts", "aac", True, "aac"),
    ],
)
def test_real_video_and_audio_are_recognised(
    tmp_path: Path, name: str, container: str, codec: str, audio: bool, kind: str
) -> None:
    if container not in av.formats_available:
        pytest.skip(f"this PyAV build has no {container} muxer")
    try:
        av.Codec(codec, "w")
    except av.codec.codec.UnknownCodecError:  # only "this build lacks the encoder" is a skip
        pytest.skip(f"this PyAV build has no {codec} encoder")
    path = _encode(tmp_path / name, container, codec, audio)
    assert sniff(path) == kind


def test_wav(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\0\0" * 100)
    assert sniff(path) == "wav"


def test_extension_does_not_count(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"%PDF-1.7 not an image at all" + b"\0" * 100)
    with pytest.raises(UnsupportedMediaType) as info:
        check_upload(path)
    message = str(info.value)
    assert str(path) in message and "(4001)" in message and "convert it to one of" in message


def test_type_not_allowed_here(tmp_path: Path) -> None:
    path = tmp_path / "song.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 40)
    with pytest.raises(UnsupportedMediaType, match=r"song.wav: a wav file is not accepted here \(4001\)"):
        check_upload(path, allowed=IMAGES)


def test_image_over_50_mb_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    with open(path, "wb") as handle:  # sparse: costs no disk
        handle.write(b"\x89PNG\r\n\x1a\n")
        handle.truncate(50 * 1024 * 1024 + 1)
    with pytest.raises(MediaTooLarge) as info:
        check_upload(path)
    assert str(path) in str(info.value) and "file too large: " in str(info.value)
    assert "50 MiB limit for images" in str(info.value) and "scale it down" in str(info.value)


def test_exactly_50_mb_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    with open(path, "wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0")
        handle.truncate(50 * 1024 * 1024)
    assert check_upload(path) == "jpg"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        check_upload(tmp_path / "nope.png")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "heic"),
        (b"\x00\x00\x00\x10ftypmif1\x00\x00\x00\x00", "heif"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "mov"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "mov"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom", "m4a"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"\xff\xfb\x90\x00", "mp3"),
        (b"\xff\xf1\x50\x80", "aac"),
        (b"", None),
        (b"hello world", None),
    ],
)
def test_sniff_bytes_edge_cases(head: bytes, kind: str | None) -> None:
    assert sniff_bytes(head) == kind


def test_every_allowed_kind_has_a_mime_type() -> None:
    from motionctl.runner.media import MIME_TYPES

    assert set(MIME_TYPES) == ALLOWED


# --- full decoding (validate, issue 8.7) -----------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp"),
                                           ("GIF", "a.gif"), ("HEIF", "a.heic")])
def test_whole_images_decode_and_cut_ones_do_not(tmp_path: Path, fmt: str, name: str) -> None:
    from motionctl.runner.media import verify_decodes

    path = tmp_path / name
    noise = Image.effect_noise((64, 64), 80).convert("RGB")  # noise: every byte of the file matters
    noise.save(path, format=fmt)
    kind = check_upload(path)
    verify_decodes(path, kind)
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    with pytest.raises(MediaError, match=rf"the {kind} file does not decode.*|cut short") as caught:
        verify_decodes(path, check_upload(path))
    assert caught.value.hint and "copy it again" in caught.value.hint


def test_real_audio_decodes_and_garbage_after_the_header_does_not(tmp_path: Path) -> None:
    from motionctl.runner.media import verify_decodes

    path = _encode(tmp_path / "a.m4a", "ipod", "aac", True)
    verify_decodes(path, "m4a")
    path.write_bytes(path.read_bytes()[:64] + bytes(range(256)) * 20)
    with pytest.raises(MediaError):
        verify_decodes(path, check_upload(path))


def test_a_cut_short_wav_names_the_samples_missing(tmp_path: Path) -> None:
    from motionctl.runner.media import verify_decodes

    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0\0\0" * 4000)
    verify_decodes(path, "wav")
    path.write_bytes(path.read_bytes()[:8044])
    with pytest.raises(MediaError, match=r"cut short \(2,000 of 4,000 samples\)"):
        verify_decodes(path, "wav")


def test_a_picture_too_big_to_decode_is_refused_before_decoding(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import motionctl.runner.media as media

    path = _image(tmp_path, "PNG", "big.png")
    monkeypatch.setattr(media, "MAX_PIXELS", 100)  # 16×16 = 256 pixels
    with pytest.raises(MediaError, match=r"the picture is 16×16 pixels, over the 0.0001-megapixel limit"):
        media.verify_decodes(path, "png")


def _png_header(width: int, height: int) -> bytes:
    """A PNG that says it is ``width``×``height`` in 100 bytes: what a decompression bomb looks like."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(("width", "height", "shown"), [
    (30_000, 30_000, "900,000,000 pixels"),  # Pillow refuses it itself: its words read like a broken file
    (12_000, 9_000, "12,000×9,000 pixels"),  # between Pillow's warning (89 MP) and its refusal (179 MP)
])
def test_a_picture_over_the_pixel_limit_says_so_with_the_limit(tmp_path: Path, width: int, height: int,
                                                              shown: str) -> None:
    from motionctl.runner.media import verify_decodes

    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(width, height))
    with pytest.raises(MediaError) as caught:
        verify_decodes(path, check_upload(path))
    assert f"the picture is {shown}, over the 100-megapixel limit" in caught.value.message
    assert caught.value.hint == "scale it down, e.g. to 4000 px wide"  # not "damaged… copy it again"


@pytest.mark.parametrize(("name", "head"), [("id3.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00"),
                                            ("sync.mp3", b"\xff\xfb\x90\x00"),
                                            ("adts.aac", b"\xff\xf1\x50\x80")])
def test_a_file_that_only_starts_like_audio_is_called_not_audio(tmp_path: Path, name: str,
                                                                head: bytes) -> None:
    from motionctl.runner.media import verify_decodes

    path = tmp_path / name
    path.write_bytes(head + random.Random(7).randbytes(20_000))
    with pytest.raises(MediaError) as caught:
        verify_decodes(path, check_upload(path))
    assert "this is not audio: its first bytes look like" in caught.value.message
    assert caught.value.hint and "renaming another file does not make it sound" in caught.value.hint


def test_a_path_the_os_refuses_is_a_media_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="cannot use this path"):
        check_upload(tmp_path / ("a" * 300 + ".png"))
