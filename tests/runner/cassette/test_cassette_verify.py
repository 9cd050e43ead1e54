"""``motionctl cassette verify``: recorded cassettes pass; a token, a client id, a signature or a tampered
sidecar planted by hand fails it (exit 1), named by entry and place, and never printed whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import CliResult
from tests.runner.cassette.helpers import Recording, copy_cassette, edit_cassette

TOKEN = "nmv_usr_planted0123456789abcdef"
CLIENT_ID = "0b9d6a0e-5c4f-4b7a-9a51-3f6c2d1e8a77"
SIGNATURE = "9d8c7b6a5f4e3d2c1b0a"
KEY = "Xk9aQpLrTzWmBvNcYh2dEf"  # a base64 capability key with only two digits in it


def test_recorded_cassettes_pass(quickstart: Recording, campaign: Recording,
                                 cli: Callable[..., CliResult]) -> None:
    result = cli("cassette", "verify", quickstart.cassette, campaign.cassette)
    assert result.code == 0, result.out + result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"{quickstart.cassette}: no secrets found (") and "2 sidecar files" in lines[0]
    assert lines[1].startswith(f"{campaign.cassette}: no secrets found (")


def _entry(entries: list[dict[str, Any]], part: str) -> int:
    return next(i for i, e in enumerate(entries) if part in e["request"]["url"])


def _plant_token(entries: list[dict[str, Any]]) -> None:
    content = entries[_entry(entries, "/api/auth/anonymous-token")]["response"]["content"]
    body = json.loads(content["text"])
    body["data"]["token"] = TOKEN
    content["text"] = json.dumps(body)


def _plant_bearer(entries: list[dict[str, Any]]) -> None:
    headers = entries[_entry(entries, "/api/credits/")]["request"]["headers"]
    headers.append({"name": "Authorization", "value": f"Bearer {TOKEN}"})


def _plant_client_id(entries: list[dict[str, Any]]) -> None:
    headers = entries[_entry(entries, "/api/state/")]["request"]["headers"]
    next(h for h in headers if h["name"].lower() == "x-client-id")["value"] = CLIENT_ID


def _plant_signature(entries: list[dict[str, Any]]) -> None:
    entry = entries[_entry(entries, "/cdn/renders/")]
    entry["request"]["url"] += f"?X-Amz-Signature={SIGNATURE}"


def _plant_capability(entries: list[dict[str, Any]]) -> None:
    entry = entries[_entry(entries, "/cdn/renders/")]
    entry["request"]["url"] = entry["request"]["url"].replace("/cdn/renders/", f"/cdn/renders/{KEY}/")


def _plant_in_sse(entries: list[dict[str, Any]]) -> None:
    frames = entries[_entry(entries, "/run_sse")]["_sse"]
    frames.append({"t": 99.0, "data": json.dumps({"type": "text", "content": f"your token is {TOKEN}"})})


@pytest.mark.parametrize(("plant", "where", "secret"), [
    (_plant_token, "(POST /api/auth/anonymous-token): response body $.data.token", TOKEN),
    (_plant_bearer, "(GET /api/credits/balance/simple): request header Authorization", TOKEN),
    (_plant_client_id, "request header x-client-id", CLIENT_ID),
    (_plant_signature, ": URL (query parameter X-Amz-Signature)", SIGNATURE),
    (_plant_capability, ": URL (a path segment that works like a password)", KEY),
    (_plant_in_sse, "(POST /run_sse): response _sse[", TOKEN),
], ids=["body", "bearer", "client-id", "signed-url", "capability-url", "sse-data"])
def test_a_planted_secret_fails_naming_where_it_is(
        quickstart: Recording, cli: Callable[..., CliResult], tmp_path: Path,
        plant: Callable[[list[dict[str, Any]]], None], where: str, secret: str) -> None:
    cassette = copy_cassette(quickstart.cassette, tmp_path / "planted")
    edit_cassette(cassette, plant)
    result = cli("cassette", "verify", cassette)
    assert result.code == 1
    assert any(where in line and "is not scrubbed" in line for line in result.out.splitlines()), result.out
    assert "motionctl: error: " in result.err and "never commit them" in result.err
    assert secret not in result.out + result.err  # named, never shown


def test_a_token_in_a_sidecar_or_a_tampered_sidecar_fails(
        quickstart: Recording, cli: Callable[..., CliResult], tmp_path: Path) -> None:
    cassette = copy_cassette(quickstart.cassette, tmp_path / "sidecars")
    clip = next(cassette.with_name("quickstart.bodies").glob("*.mp4"))
    clip.write_bytes(clip.read_bytes() + f"udta {TOKEN}".encode())
    result = cli("cassette", "verify", cassette)
    assert result.code == 1
    assert f"sidecar quickstart.bodies/{clip.name}: holds token-shaped text" in result.out
    assert f"sidecar quickstart.bodies/{clip.name}: its content does not match the sha256" in result.out
