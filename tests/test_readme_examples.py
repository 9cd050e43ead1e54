"""README's examples are the real files: the promo recipe it shows is workflows/promo.yaml, byte for byte."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_shows_workflows_promo_yaml_as_it_is() -> None:
    blocks = re.findall(r"```yaml\n# (workflows/[\w.-]+\.yaml)\n(.*?)```", README, flags=re.S)
    assert [name for name, _ in blocks] == ["workflows/promo.yaml"]
    for name, text in blocks:
        assert text == (ROOT / name).read_text(encoding="utf-8"), f"README's {name} differs from the file"
