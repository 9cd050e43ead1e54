"""The Nemo API client: ``NemoClient`` and the values it returns.

::

    config = ClientConfig.from_env()
    async with NemoClient(config) as client:
        session = await client.create_session()
        result = await client.send_message(session.session_id, "animate this image with a slow zoom-in")
"""

from __future__ import annotations

from .client import NemoClient
from .config import DEFAULT_BASE_URL, ClientConfig, detect_platform
from .models import (
    ClaimToken,
    Credits,
    RenderStatus,
    Session,
    StreamEvent,
    StreamResult,
    UploadedFile,
    summarize_tracks,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "ClaimToken",
    "ClientConfig",
    "Credits",
    "NemoClient",
    "RenderStatus",
    "Session",
    "StreamEvent",
    "StreamResult",
    "UploadedFile",
    "detect_platform",
    "summarize_tracks",
]
