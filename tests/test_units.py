"""Sizes print in the units they are counted in: the limits are powers of 1024, so MiB, never "MB"."""

from __future__ import annotations

from pathlib import Path

import pytest

from motionctl.runner.errors import MediaTooLarge
from motionctl.runner.media import check_upload
from motionctl.units import format_size


@pytest.mark.parametrize(("size", "shown"), [
    (0, "0 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.5 KiB"),
    (60_773_447, "58.0 MiB"), (50 * 1024**2, "50 MiB"), (3 * 1024**3 + 1024**3 // 2, "3.5 GiB"),
])
def test_sizes_in_iec_units(size: int, shown: str) -> None:
    assert format_size(size) == shown


def test_the_upload_check_names_the_size_in_the_units_it_counts_in(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    with path.open("wb") as handle:  # sparse: the 60,773,447-byte file of the issue, costing no disk
        handle.write(b"\xff\xd8\xff\xe0")
        handle.truncate(60_773_447)
    with pytest.raises(MediaTooLarge, match=r"58\.0 MiB is over the API's 50 MiB limit for images"):
        check_upload(path)
