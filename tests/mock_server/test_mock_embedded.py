"""The embedded launcher (runner/backend.py) knows its mock's admin key, so a test can read the request
log of the mock a run used; the key is not in the backend's repr."""

from __future__ import annotations

import httpx

from motionctl.runner.backend import open_backend


def test_the_embedded_backend_carries_its_mocks_admin_client() -> None:
    with open_backend("mock") as backend:
        assert backend.embedded and backend.mock_admin is not None
        httpx.get(f"{backend.base_url}/api/credits/balance/simple")
        assert [(r["method"], r["path"]) for r in backend.mock_admin.requests()] == [
            ("GET", "/api/credits/balance/simple")]
        assert httpx.get(f"{backend.base_url}/__mock/requests").status_code == 401
        assert backend.mock_admin.key not in repr(backend)
