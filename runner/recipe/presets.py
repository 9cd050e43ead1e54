"""Platform presets and named values of the recipe language (one table, shared by validation and compiler)."""

from __future__ import annotations

from dataclasses import dataclass

from ... import amounts
from ...safezones import SafeZone, table, zone

RATIOS = ("9:16", "1:1", "4:5", "16:9")


@dataclass(frozen=True)
class Platform:
    """A platform preset: the aspect ratio it needs and the longest clip it takes (``None``: no cap)."""

    name: str
    aspect: str
    max_ms: int | None


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("tiktok", "9:16", 60_000),
        Platform("reels", "9:16", 90_000),
        Platform("shorts", "9:16", 60_000),
        Platform("instagram-feed", "4:5", 60_000),
        Platform("instagram-square", "1:1", 60_000),
        Platform("youtube", "16:9", None),
    )
}

# What people also call a preset, for did-you-mean: "youtube-shorts" is closer in spelling to youtube, but
# means shorts.
PLATFORM_ALIASES: dict[str, str] = {
    "youtube-shorts": "shorts", "yt-shorts": "shorts", "instagram-reels": "reels", "ig-reels": "reels",
    "instagram": "instagram-feed", "ig": "instagram-feed", "ig-feed": "instagram-feed",
    "instagram-post": "instagram-feed", "square": "instagram-square", "tik-tok": "tiktok", "yt": "youtube",
}

# Named focus points, in percent of the image. Corners sit a quarter in from the edges rather than on them:
# "zoom toward the top left" means the top-left part of the picture grows, not its very corner pixel.
FOCUS_POINTS: dict[str, tuple[float, float]] = {
    "center": (50, 50),
    "top": (50, 25),
    "bottom": (50, 75),
    "left": (25, 50),
    "right": (75, 50),
    "top-left": (25, 25),
    "top-right": (75, 25),
    "bottom-left": (25, 75),
    "bottom-right": (75, 75),
}

MOODS = ("lo-fi", "upbeat", "calm", "cinematic")

# specs/motion.md's "Amounts for speed words" (motionctl/amounts.py, which the mock's interpreter reads
# too) in the recipe's units: zoom %, pan/tilt % of the frame, roll degrees. The clip QC compares the pixels
# with it.
SPEED_AMOUNTS: dict[str, dict[str, float]] = {
    speed: {"zoom": round(zoom * 100, 6), "pan": round(pan * 100, 6), "tilt": round(pan * 100, 6),
            "roll": roll}
    for speed, (zoom, pan, roll) in amounts.SPEED_AMOUNTS.items()
}
DEFAULT_SPEED = amounts.DEFAULT_SPEED
AUDIO_SUFFIXES = (".mp3", ".wav", ".m4a", ".aac")


# The numbers, with the published guidance each comes from, are data shared with the mock's renderer.
PLATFORM_SAFE_ZONES: dict[str, SafeZone] = {n: zone(e, n) for n, e in table()["platforms"].items()}
ASPECT_SAFE_ZONES: dict[str, SafeZone] = {n: zone(e, n) for n, e in table()["aspects"].items()}


def safe_zone(platform: Platform | None, ratio: str | None) -> SafeZone:
    """The zone text keeps to: the platform's when one is named, else the ratio's (9:16 when none is)."""
    if platform is not None:
        return PLATFORM_SAFE_ZONES[platform.name]
    return ASPECT_SAFE_ZONES[ratio or "9:16"]


def aspect_of(value: str) -> tuple[str, Platform | None]:
    """The ratio a recipe's ``aspect`` value means, and the platform preset if it names one."""
    platform = PLATFORMS.get(value)
    return (platform.aspect, platform) if platform else (value, None)
