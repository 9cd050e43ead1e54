"""Golden files cut into per-job sections: what lets one pytest item check or update its job alone."""

from __future__ import annotations

from pathlib import Path

from motionctl.runner.testing import goldens

TEXT = """\
# Golden state diffs of recipe 'pair': ...
recipe: pair
jobs:
  pair-tiktok:
  - step: step 1 (upload)
    upload: [sneaker.jpg]
    patch:
    - {op: add, path: /draft/t/0, value: {tt: 0}}
  pair-youtube: []
  'pair-a: b':
  - step: step 1 (upload)
    patch: []
"""


def test_split_keeps_every_byte_and_finds_each_job() -> None:
    g = goldens.split(TEXT)
    assert list(g.sections) == ["pair-tiktok", "pair-youtube", "pair-a: b"]
    assert g.prefix.endswith("recipe: pair\njobs:\n")
    assert goldens.join(g.prefix, g.sections, list(g.sections)) == TEXT


def test_update_rewrites_one_section_keeps_the_others_and_drops_unused(tmp_path: Path) -> None:
    path, lock = tmp_path / "pair.golden.yaml", tmp_path / "pair.yaml"
    lock.write_text("recipe", encoding="utf-8")
    path.write_text(TEXT, encoding="utf-8")
    built = "# header\nrecipe: pair\njobs:\n  pair-youtube:\n  - step: step 1 (upload)\n    patch: []\n"
    order = ["pair-tiktok", "pair-youtube"]
    assert goldens.update_section(path, lock, "pair-youtube", built, order) == "updated"
    after = goldens.split(path.read_text(encoding="utf-8"))
    assert list(after.sections) == ["pair-tiktok", "pair-youtube"]  # 'pair-a: b' is no job of the plan
    assert after.sections["pair-tiktok"] == goldens.split(TEXT).sections["pair-tiktok"]
    assert goldens.update_section(path, lock, "pair-youtube", built, order) == "unchanged"
