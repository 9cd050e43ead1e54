"""The embedded launcher (runner/backend.py) knows its mock's admin key, so a test can read the request
log of the mock a run used; the key is not in the backend's repr. It also picks how many jobs run at once
and how often renders are polled."""

from __future__ import annotations

import os

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


def test_jobs_at_once_keep_the_embedded_mocks_render_workers_fed() -> None:
    # Most of a job is uploads, instructions and polls; with as many jobs as render workers, the workers
    # waited for work (bench/campaign.py). Four jobs per worker keep renders queued.
    with open_backend("mock", mock_overrides={"render_workers": 3}) as backend:
        assert backend.concurrency == 12
        assert (backend.client.poll_interval, backend.client.poll_interval_max) == (0.1, 0.5)
    with open_backend("mock", mock_overrides={"render_workers": 1}) as backend:
        assert backend.concurrency == 4  # never fewer than against a server elsewhere
    with open_backend("mock", base_url="http://127.0.0.1:9") as elsewhere:
        assert elsewhere.concurrency == 4 and elsewhere.client.poll_interval_max == 0.5
    with open_backend("live", env={}) as live:
        assert live.concurrency == 4
        assert (live.client.poll_interval, live.client.poll_interval_max) == (2.0, 30.0)


def test_a_run_starts_no_more_render_workers_than_it_has_jobs() -> None:
    # A worker's start costs a core for a while: a one-clip run starts one, a campaign one per CPU.
    with open_backend("mock", mock_overrides={"render_workers": 3}, jobs=1) as backend:
        assert backend.concurrency == 12  # a worker count the caller chose is kept
    with open_backend("mock", jobs=1) as backend:
        assert backend.concurrency == 4  # one worker (on every machine with more CPUs: 4 per CPU)
    with open_backend("mock", jobs=1000) as backend:
        assert backend.concurrency == 4 * len(os.sched_getaffinity(0))
