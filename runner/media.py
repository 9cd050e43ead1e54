"""Local checks of files before upload: the type by magic bytes and the size, mirroring 4001/4002.

Cheap and free of network: the recipe validator calls ``check_upload`` on every file a recipe names, and
the client calls it again right before uploading. Only the first few bytes of a file are read.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection
from pathlib import Path

from ..units import format_size
from .errors import MediaError, MediaTooLarge, UnsupportedMediaType

MB = 1024 * 1024  # the API's "MB" limits are powers of 1024: messages say MiB (motionctl.units)
IMAGE_LIMIT = 50 * MB  # the seed: "JPG, PNG, WEBP, HEIC files up to 50MB"
OTHER_LIMIT = 500 * MB  # a sibling skill's page; the API does not document one for video/audio

IMAGES = frozenset({"jpg", "png", "webp", "heic", "heif", "gif"})
VIDEOS = frozenset({"mp4", "mov", "avi", "webm", "mkv"})
AUDIO = frozenset({"mp3", "wav", "m4a", "aac"})
ALLOWED = IMAGES | VIDEOS | AUDIO

MIME_TYPES = {
    "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heic": "image/heic",
    "heif": "image/heif", "gif": "image/gif", "mp4": "video/mp4", "mov": "video/quicktime",
    "avi": "video/x-msvideo", "webm": "video/webm", "mkv": "video/x-matroska", "mp3": "audio/mpeg",
    "wav": "audio/wav", "m4a": "audio/mp4", "aac": "audio/aac",
}

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1", b"mif2"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff_bytes(head: bytes) -> str | None:
    """The file type from its first bytes (at least 64 are best), or ``None`` if not recognised."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF":
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12])
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head[4:8] in _QUICKTIME_ATOMS:
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska or its WebM profile
        return "webm" if b"webm" in head[:64] else "mkv"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # Both are frame-sync 0xFFF…; ADTS (AAC) has layer bits 00, MPEG audio layer III does not.
        return "aac" if head[1] & 0x06 == 0 else "mp3"
    return None


def _sniff_ftyp(head: bytes) -> str:
    size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    brands = {major} | compatible
    if major in _HEIC_BRANDS or (major in _HEIF_BRANDS and brands & _HEIC_BRANDS):
        return "heic"
    if major in _HEIF_BRANDS:
        return "heif"
    if major in _M4A_BRANDS:
        return "m4a"
    if major == b"qt  ":
        return "mov"
    return "mp4"


def sniff(path: Path) -> str | None:
    """The type of the file at ``path`` by its magic bytes (``"jpg"``, ``"heic"``, ``"mp4"`` …) or ``None``.

    Raises:
        MediaError: the file cannot be read.
    """
    try:
        with open(path, "rb") as handle:
            return sniff_bytes(handle.read(64))
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the file ({exc.strerror})",
                         hint="check the path and its permissions") from exc


def size_limit(kind: str) -> int:
    """The largest upload the API takes for a file of this type, in bytes."""
    return IMAGE_LIMIT if kind in IMAGES else OTHER_LIMIT


def _names(kinds: Collection[str]) -> str:
    return ", ".join(sorted(kinds))


def check_upload(path: Path, allowed: Collection[str] = ALLOWED) -> str:
    """Check a file the API would otherwise reject with 4001/4002, before any upload.

    Args:
        path: the local file.
        allowed: the types acceptable here (e.g. ``IMAGES`` for an ``upload:`` of a still).

    Returns:
        The sniffed type, e.g. ``"png"``.

    Raises:
        MediaError: missing or unreadable file.
        UnsupportedMediaType: the bytes are not one of ``allowed`` (the API's 4001).
        MediaTooLarge: over the size limit (the API's 4002; 50 MB for images).
    """
    path = Path(path)
    try:
        is_file = path.is_file()
    except (OSError, ValueError) as exc:  # ENAMETOOLONG, ELOOP…, an embedded NUL
        reason = getattr(exc, "strerror", None) or str(exc)
        raise MediaError(f"{path}: cannot use this path ({reason})",
                         hint="shorten the file name or fix the path") from None
    if not is_file:
        raise MediaError(f"{path}: no such file", hint="check the path (relative paths start at the recipe)")
    kind = sniff(path)
    if kind is None:
        raise UnsupportedMediaType(
            f"{path}: unsupported file type (4001): its bytes match none of {_names(allowed)}",
            hint=f"convert it to one of {_names(allowed)}; the file extension alone does not count",
        )
    if kind not in allowed:
        raise UnsupportedMediaType(
            f"{path}: a {kind} file is not accepted here (4001)",
            hint=f"use one of {_names(allowed)}",
        )
    size = path.stat().st_size
    limit = size_limit(kind)
    if size > limit:
        image = kind in IMAGES
        raise MediaTooLarge(
            f"{path}: file too large: {format_size(size)} is over the API's {format_size(limit)} limit for "
            f"{'images' if image else 'video and audio'}, so it would refuse the upload",
            hint="save it as a JPEG (quality 85 is plenty) or scale it down, e.g. to 4000 px wide" if image
            else "compress it to a lower bitrate, or cut it shorter",
        )
    return kind


# --- full decoding (validate) ----------------------------------------------------------------------------

MAX_PIXELS = 100_000_000  # decoding a bigger picture takes more memory than a check should (300 MB RGB)
_DAMAGED_HINT = ("the file is incomplete or damaged: copy it again from where it came from, or open it in an "
                 "editor and save it anew")
# Frame streams: a cut-short file still decodes up to its cut, so one of which nothing decodes is not sound
# at all. An m4a (an MP4 container) that lost its end lost its index too: that one is damaged, not foreign.
_STREAMED_AUDIO = frozenset({"mp3", "aac", "wav"})
_NOT_AUDIO_HINT = ("use a sound file an audio editor or a music library exported (mp3, wav, m4a, aac); "
                   "renaming another file does not make it sound")


def verify_decodes(path: Path, kind: str) -> None:
    """Decode the whole file, as the renderer will, so a truncated or corrupt file fails before any upload.

    Args:
        path: a file ``check_upload`` accepted.
        kind: its sniffed type.

    Raises:
        MediaError: the file does not decode to the end (with advice that can work: copy or save it again),
            is a picture over ``MAX_PIXELS`` (saying so, with the limit), or is not audio at all though its
            first bytes look like it (saying so).
    """
    try:
        if kind in IMAGES:
            _decode_image(path)
        elif kind == "wav":
            _decode_wav(path)
        elif kind in AUDIO | VIDEOS:
            _decode_av(path, kind)
    except MediaError:
        raise
    except Exception as exc:  # what each decoder raises on bad data varies (OSError, ValueError, av errors…)
        if kind in _STREAMED_AUDIO:  # the first bytes said audio; nothing after them does
            raise _not_audio(path, kind) from None
        reason = str(exc).strip() or type(exc).__name__
        raise MediaError(f"{path}: the {kind} file does not decode ({reason})", hint=_DAMAGED_HINT) from None


def _not_audio(path: Path, kind: str) -> MediaError:
    return MediaError(f"{path}: this is not audio: its first bytes look like {kind}, but no sound in it "
                      "decodes", hint=_NOT_AUDIO_HINT)


def _too_many_pixels(path: Path, size: str) -> MediaError:
    return MediaError(f"{path}: the picture is {size}, over the {MAX_PIXELS / 1_000_000:g}-megapixel limit "
                      "of what this tool decodes", hint="scale it down, e.g. to 4000 px wide")


def _decode_image(path: Path) -> None:
    from PIL import Image  # imported here: the client's upload check needs none of this

    if path.suffix.lower() in (".heic", ".heif") or sniff(path) in ("heic", "heif"):
        import pillow_heif

        pillow_heif.register_heif_opener()
    with warnings.catch_warnings():
        # Pillow's own bomb guard warns past 89 and refuses past 179 megapixels, where its message reads
        # like a broken file; MAX_PIXELS is checked here instead, and said so.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            opened = Image.open(path)
        except Image.DecompressionBombError as exc:
            pixels = re.search(r"\((\d+) pixels\)", str(exc))
            raise _too_many_pixels(path, f"{int(pixels[1]):,} pixels" if pixels else "too large") from None
    with opened as image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels(path, f"{width:,}×{height:,} pixels")
        if image.format == "JPEG":
            # All the data is read, into an eighth of the memory.
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        image.load()
        frames = getattr(image, "n_frames", 1)
        for index in range(1, min(frames, 1000)):  # every frame of an animated GIF or WEBP
            image.seek(index)
            image.load()


def _decode_wav(path: Path) -> None:
    import wave

    with wave.open(str(path), "rb") as audio:
        expected = audio.getnframes()
        got = len(audio.readframes(expected)) // max(1, audio.getsampwidth() * audio.getnchannels())
    if got < expected:
        raise MediaError(f"{path}: the wav file is cut short ({got:,} of {expected:,} samples)",
                         hint=_DAMAGED_HINT)
    if expected == 0:
        raise MediaError(f"{path}: the wav file holds no sound", hint="record or export it again")


def _decode_av(path: Path, kind: str) -> None:
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio and not container.streams.video:
            if kind in _STREAMED_AUDIO:
                raise _not_audio(path, kind)
            raise MediaError(f"{path}: no sound or picture in the file", hint=_DAMAGED_HINT)
        stream = container.streams.audio[0] if container.streams.audio else container.streams.video[0]
        decoded = failed = 0
        for packet in container.demux(stream):
            try:
                decoded += len(packet.decode())
            except av.error.InvalidDataError:
                failed += 1  # a stray bad packet (trailing junk is common in MP3s) is skipped, as players do
        if decoded == 0:
            raise _not_audio(path, kind) if kind in _STREAMED_AUDIO else MediaError(
                f"{path}: no frame of the {kind} file decodes", hint=_DAMAGED_HINT)
        if failed > max(1, decoded // 10):
            raise MediaError(f"{path}: {failed:,} of {failed + decoded:,} parts of the {kind} file fail to "
                             "decode", hint=_DAMAGED_HINT)
