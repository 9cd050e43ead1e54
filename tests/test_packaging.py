"""pyproject lists packages by hand (specs/ is mapped to a package name): keep that list whole."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = {folder: name for name, folder in config["package-dir"].items()}
    found = set()
    for init in ROOT.glob("*/**/__init__.py"):
        folder = init.parent.relative_to(ROOT).as_posix()
        top, _, rest = folder.partition("/")
        if top not in {"runner", "mock_server", "specs"}:
            continue
        name = mapped.get(top, top) + ("." + rest.replace("/", ".") if rest else "")
        found.add(name)
    assert found == set(config["packages"])


def test_schemas_ship_inside_the_package() -> None:
    import motionctl_specs

    for name in ("draft.schema.json", "recipe.schema.json", "nemo-api.yaml", "faults.schema.json"):
        assert motionctl_specs.path(name).is_file(), name
        assert motionctl_specs.load(name)
