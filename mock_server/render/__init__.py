"""The mock server's local renderer: a short-key draft and its media → a real video file.

    from motionctl.mock_server.render import render_draft, RenderOptions
    result = render_draft(draft, {"https://cdn/x.jpg": Path("x.jpg")}, Path("out.mp4"), RenderOptions())

A library of its own (no server needed), thread-safe, with the camera convention of specs/motion.md.
"""

from __future__ import annotations

from .errors import RenderInputError
from .renderer import RenderOptions, RenderResult, render_draft

__all__ = ["RenderInputError", "RenderOptions", "RenderResult", "render_draft"]
