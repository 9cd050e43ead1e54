"""Project-wide test settings. Subfolders keep their own fixtures in their own conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
