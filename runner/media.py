"""Local checks of files before upload: the type by magic bytes and the size, mirroring 4001/4002.

Cheap and free of network: the recipe validator calls ``check_upload`` on every file a recipe names, and
the client calls it again right before uploading. Only the first few bytes of a file are read.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from motionctl.units import format_size
from runner.errors import MediaError, MediaTooLarge, UnsupportedMediaType

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
    if not path.is_file():
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
        raise MediaTooLarge(
            f"{path}: file too large (4002): {format_size(size)} is over the {format_size(limit)} limit for "
            f"{'images' if kind in IMAGES else 'video and audio'}",
            hint="compress it or scale it down (e.g. JPEG at quality 85, or a shorter/lower-bitrate clip)",
        )
    return kind
