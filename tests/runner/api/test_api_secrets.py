"""A token never shows up in logs, exception text, reprs or files other than the 0600 cache."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import respx

from motionctl.runner.api import ClientConfig, NemoClient, RenderStatus
from motionctl.runner.api.auth import Credentials
from motionctl.runner.errors import RunnerError
from tests.contract import ContractChecker
from tests.runner.api.helpers import TOKEN, USER_TOKEN, FakeClock, fail, files_holding, ok, token_answer

pytestmark = pytest.mark.anyio

MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x02" * 100


async def test_no_token_in_logs_errors_reprs_or_files(
    config: ClientConfig,
    api: respx.MockRouter,
    clock: FakeClock,
    checker: ContractChecker,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    second = "nmv_usr_SECRET_second_token"
    api["token"].mock(side_effect=[token_answer(), token_answer(second)])
    api.get("/api/credits/balance/simple").mock(
        side_effect=[
            fail(1001, "expired", status=401),
            ok({"available": 1, "frozen": 0, "total": 1}),
            fail(2001, f"no credits left for {second}"),
            httpx.Response(500),
            httpx.Response(500),
            httpx.Response(500),
            httpx.Response(500),
        ]
    )
    api.get("/api/render/proxy/render_1/download").mock(
        return_value=httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"})
    )
    errors: list[BaseException] = []
    async with NemoClient(
        config, event_hooks=checker.event_hooks(), sleep=clock.sleep, clock=clock
    ) as client:
        await client.credits()
        for _ in range(2):
            try:
                await client.credits()
            except RunnerError as exc:
                errors.append(exc)
        await client.download(RenderStatus("render_1", "completed"), tmp_path / "out.mp4")
        reprs = [repr(client), repr(client.config), repr(client._credentials), str(client.__dict__)]

    assert len(errors) == 2 and "***" in str(errors[0])
    everything = "\n".join([caplog.text, *map(str, errors), *map(repr, errors), *reprs])
    for secret in (TOKEN, second):
        assert secret not in everything
    assert files_holding(tmp_path, TOKEN, second) == ["credentials.json"]


async def test_user_token_not_in_reprs_or_errors(
    config: ClientConfig, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    user = replace(config, token=USER_TOKEN)
    api.post("/api/tasks/me/with-session/nemo_agent").mock(return_value=fail(1001, "bad token"))
    async with NemoClient(user) as client:
        with pytest.raises(RunnerError) as info:
            await client.create_session()
        text = " ".join([repr(user), str(user), repr(client), str(info.value), repr(info.value), caplog.text])
    assert USER_TOKEN not in text and "token='***'" in repr(user)
    assert "token=None" in repr(replace(config, token=None))


def test_credentials_repr_masks_the_token() -> None:
    text = repr(Credentials("cid", TOKEN, None))
    assert TOKEN not in text and "cid" in text


def test_from_env_reads_base_url_token_and_platform(tmp_path: Path) -> None:
    env = {"NEMO_BASE_URL": "http://127.0.0.1:9/", "NEMO_TOKEN": USER_TOKEN, "GITHUB_ACTIONS": "true"}
    config = ClientConfig.from_env(env=env, config_dir=tmp_path, poll_interval=1.0)
    assert (config.base_url, config.token, config.platform) == ("http://127.0.0.1:9", USER_TOKEN, "github")
    assert config.poll_interval == 1.0 and config.config_dir == tmp_path
    assert ClientConfig.from_env(base_url="https://x", platform="clawhub", env=env).platform == "clawhub"
    assert ClientConfig.from_env(base_url="https://x", env=env).base_url == "https://x"


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({}, "unknown"),
        ({"GITHUB_ACTIONS": "true"}, "github"),
        ({"CURSOR_TRACE_ID": "abc"}, "cursor"),
        ({"TERM_PROGRAM": "cursor"}, "cursor"),
        ({"GITHUB_ACTIONS": "false"}, "unknown"),
    ],
)
def test_platform_detection(env: dict[str, str], platform: str) -> None:
    config = ClientConfig.from_env(env=env)
    assert config.platform == platform
    assert config.base_url == "https://mega-api-prod.nemovideo.ai" and config.token is None


def test_config_dir_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert ClientConfig.from_env(env={}).config_dir == tmp_path / "motionctl"
    assert json.dumps(str(ClientConfig().config_dir)).count("motionctl") == 1
