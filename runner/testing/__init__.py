"""Testing helpers shipped with the package: golden sections for the pytest plugin, the mock as a fixture."""

from __future__ import annotations

from .nemo_mock import NemoMock, admin_headers

__all__ = ["NemoMock", "admin_headers"]
