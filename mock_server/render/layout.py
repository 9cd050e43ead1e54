"""Where a text block goes: the platform's safe zone (specs/safe-zones.json), named positions, {x, y}.

Named positions are placed inside the zone: ``top`` puts the block's top on the zone's top edge, ``bottom``
its bottom on the zone's bottom edge (just above the platform's caption), ``center`` its centre on the frame's
centre (moved only as far as the zone needs). An explicit ``[x, y]`` is the block's centre and is honoured
exactly: when the block does not fit inside the zone there, the render is refused with the numbers to use,
never moved. ``keep_safe`` off (per text, or ``RenderOptions.safe_area``) drops the zone: named positions
then keep a 2 % margin from the frame's edges, and ``[x, y]`` may go anywhere, cut off at the frame's edge.
"""

from __future__ import annotations

from ...safezones import SafeZone
from ...safezones import table as _table
from ...safezones import zone as _zone
from .errors import RenderInputError
from .geometry import FrameSize

_NO_ZONE_MARGIN = 0.02
_TOLERANCE_PX = 1  # rounding to even pixels may cross an edge by one


NO_ZONE = SafeZone(_NO_ZONE_MARGIN, _NO_ZONE_MARGIN, _NO_ZONE_MARGIN, _NO_ZONE_MARGIN, "the frame")


def known_platforms() -> tuple[str, ...]:
    return tuple(_table()["platforms"])


def safe_zone(platform: str | None, size: FrameSize, where: str = "draft.m") -> SafeZone:
    """The zone of ``platform`` when the draft names one, else the one for the frame's aspect ratio.

    Raises:
        RenderInputError: ``platform`` is not in the table.
    """
    table = _table()
    if platform is not None:
        entry = table["platforms"].get(platform)
        if entry is None:
            known = ", ".join(table["platforms"])
            raise RenderInputError(f"{where}.platform: unknown platform {platform!r}; known: {known}")
        return _zone(entry, platform)
    ratio = size.width / size.height

    def distance(name: str) -> float:
        w, h = (int(v) for v in name.split(":"))
        return abs(w / h - ratio)

    nearest = min(table["aspects"], key=distance)
    return _zone(table["aspects"][nearest], nearest)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def place(
    block: tuple[int, int],
    pos: str | tuple[float, float],
    zone: SafeZone,
    size: FrameSize,
    *,
    keep_safe: bool,
    where: str,
) -> tuple[int, int]:
    """The block's top-left corner (even, may lie off the frame only for ``[x, y]`` with keep_safe off).

    Raises:
        RenderInputError: ``[x, y]`` with keep_safe on puts part of the block outside the zone.
    """
    width, height = block
    left, top, right, bottom = zone.box(size.width, size.height)
    if isinstance(pos, str):
        cx = size.width / 2
        cy = {"top": top + height / 2, "center": size.height / 2, "bottom": bottom - height / 2}[pos]
        x = _clamp(cx - width / 2, left, right - width)
        y = _clamp(cy - height / 2, top, bottom - height)
        return _even(x), _even(y)
    x, y = _even(pos[0] * size.width - width / 2), _even(pos[1] * size.height - height / 2)
    if keep_safe:
        t = _TOLERANCE_PX
        if x < left - t or y < top - t or x + width > right + t or y + height > bottom + t:
            detail = (
                f"the text centred at {_pct(pos[0])} {_pct(pos[1])} is {width}x{height} px and leaves the "
                f"safe zone of {zone.label} (x {_pct(zone.left)}..{_pct(1 - zone.right)}, "
                f"y {_pct(zone.top)}..{_pct(1 - zone.bottom)} of the frame, where the platform's interface "
                "covers nothing); move it inside, make it smaller, or set keep_safe: false to place it anyway"
            )
            raise RenderInputError(f"{where}.pos: {detail}", detail=detail)
    return x, y


def _clamp(value: float, low: float, high: float) -> float:
    if high < low:
        return (low + high) / 2
    return min(max(value, low), high)


def _even(value: float) -> int:
    return 2 * round(value / 2)
