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


def test_the_renderers_fonts_and_safe_zones_ship_in_the_wheel() -> None:
    """Every file under mock_server/render/fonts/ that the renderer reads matches a package-data glob."""
    from fnmatch import fnmatch

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = config["package-data"]["mock_server.render"]
    fonts = ROOT / "mock_server" / "render" / "fonts"
    shipped = [p for p in fonts.rglob("*") if p.is_file() and p.suffix != ".py"]
    assert {p.suffix for p in shipped} >= {".ttf", ".otf", ".json", ".copyright", ".txt"}
    for file in shipped:
        relative = file.relative_to(fonts.parent).as_posix()
        assert any(fnmatch(relative, g) for g in globs), f"{relative} is not in package-data"
    # The subsets stay modest: a few MB in all.
    assert sum(p.stat().st_size for p in shipped) < 4_000_000
    import motionctl_specs

    assert motionctl_specs.load("safe-zones.json")["platforms"]
