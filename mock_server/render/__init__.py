"""The mock server's local renderer: a short-key draft and its media → a real video file.

    from motionctl.mock_server.render import render_draft, RenderOptions
    result = render_draft(draft, {"https://cdn/x.jpg": Path("x.jpg")}, Path("out.mp4"), RenderOptions())

A library of its own (no server needed), thread-safe, with the camera convention of specs/motion.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import lazy_exports
from .errors import RenderInputError
from .options import RenderOptions, RenderResult

if TYPE_CHECKING:
    from .renderer import render_draft

# The renderer itself (NumPy, OpenCV, PyAV) loads on first use: the mock's own process needs only the
# options and results; its render workers load it.
__getattr__ = lazy_exports(__name__, {"render_draft": "renderer"})

__all__ = ["RenderInputError", "RenderOptions", "RenderResult", "render_draft"]
