"""The ``corrupt`` fault: a download that arrives whole, with status 200, and the wrong bytes."""

from __future__ import annotations

from typing import Any

import pytest

from motionctl.mock_server import FaultPlanError, MockConfig, parse_fault_plan
from tests.mock_server.conftest import OpenApi, png_bytes

pytestmark = pytest.mark.anyio
CDN = "GET /cdn/*"


def corrupting(**corrupt: Any) -> MockConfig:
    return MockConfig(faults=parse_fault_plan({"faults": [{"route": CDN, "times": 1, "corrupt": corrupt}]}))


async def upload_url(api: Any) -> tuple[str, bytes]:
    image = png_bytes(640, 480)
    sid = await api.session()
    body = await api.upload(sid, ("photo.png", image))
    return str(body["data"]["files"][0]["cdn_url"]), image


async def test_truncate_sends_a_complete_answer_cut_short_then_the_rule_is_spent(open_api: OpenApi) -> None:
    async with open_api(corrupting(truncate_to=100)) as api:
        url, image = await upload_url(api)
        assert len(image) > 1000
        cut = await api.raw.get(url)
        assert (cut.status_code, cut.headers["content-length"], cut.content) == (200, "100", image[:100])
        whole = await api.raw.get(url)  # times: 1
        assert whole.content == image
        log = api.mock.admin.requests()
        assert [r["fault"] for r in log if r["path"].startswith("/cdn/")] == ["corrupt", None]


async def test_replace_sends_other_bytes_with_the_status_and_type_of_a_success(open_api: OpenApi) -> None:
    page = "<html><body>503 Service Unavailable</body></html>"
    async with open_api(corrupting(replace_with=page)) as api:
        url, _ = await upload_url(api)
        answer = await api.raw.get(url)
        assert (answer.status_code, answer.text) == (200, page)
        assert answer.headers["content-length"] == str(len(page))
        assert answer.headers["content-type"] == "image/png"  # the handler's, as a careless CDN sends it


@pytest.mark.parametrize("corrupt", [{}, {"truncate_to": 1, "replace_with": "x"}, {"truncate_to": -1},
                                     {"cut": 3}])
def test_a_corrupt_rule_takes_exactly_one_way_to_damage(corrupt: dict[str, Any]) -> None:
    with pytest.raises(FaultPlanError, match="faults/0/corrupt"):
        parse_fault_plan({"faults": [{"route": CDN, "corrupt": corrupt}]})
