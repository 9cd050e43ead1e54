"""The public surface of ``runner`` is deliberate: all of __all__ exists, and nothing public is missed."""

from __future__ import annotations

from motionctl import runner


def test_all_names_exist() -> None:
    missing = [name for name in runner.__all__ if not hasattr(runner, name)]
    assert missing == []


def test_every_public_name_is_listed() -> None:
    public = {
        name
        for name, value in vars(runner).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("motionctl.runner")
    }
    assert public <= set(runner.__all__)
