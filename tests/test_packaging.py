"""What the distribution installs: the package list stays whole, the wheel installs into a fresh venv and
runs as ``python -m motionctl``, it adds one import namespace, ``motionctl``, to site-packages, and a checkout
made without symlinks (Windows' default git) installs and runs the same, editable or not.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the wheel is built from; the rest (tests, the venv, runs, a stale build/) stays out of the copy,
# so an old build/lib can never leak removed modules into the wheel under test.
_NOT_SOURCES = {".git", ".venv", ".ci-venv", "build", "dist", "runs", "out", "tests", "bench", "workflows"}


def test_motionctl_links_the_repositorys_folders() -> None:
    # The links serve static tools (mypy, lint-imports), which find modules by folder names; installs use
    # the package-dir map instead (below).
    for name in ("runner", "mock_server", "specs"):
        link = ROOT / "motionctl" / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve(), name


def test_the_package_list_names_every_folder_with_an_init() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {"motionctl"} | {
        "motionctl." + ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("runner", "mock_server", "specs") for init in (ROOT / top).rglob("__init__.py")}
    assert set(config["packages"]) == found
    assert config["package-dir"] == {"motionctl": "motionctl", "motionctl.runner": "runner",
                                     "motionctl.mock_server": "mock_server", "motionctl.specs": "specs"}


def test_schemas_ship_inside_the_package() -> None:
    from motionctl import specs as motionctl_specs
    for name in ("draft.schema.json", "recipe.schema.json", "nemo-api.yaml", "faults.schema.json"):
        assert motionctl_specs.path(name).is_file(), name
        assert motionctl_specs.load(name)


def test_the_renderers_fonts_and_safe_zones_ship_in_the_wheel() -> None:
    """Every file under mock_server/render/fonts/ that the renderer reads matches a package-data glob."""
    from fnmatch import fnmatch

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = config["package-data"]["motionctl.mock_server.render"]
    fonts = ROOT / "mock_server" / "render" / "fonts"
    shipped = [p for p in fonts.rglob("*") if p.is_file() and p.suffix != ".py"]
    assert {p.suffix for p in shipped} >= {".ttf", ".otf", ".json", ".copyright", ".txt"}
    for file in shipped:
        relative = file.relative_to(fonts.parent).as_posix()
        assert any(fnmatch(relative, g) for g in globs), f"{relative} is not in package-data"
    # The subsets stay modest: a few MB in all.
    assert sum(p.stat().st_size for p in shipped) < 4_000_000
    from motionctl import specs as motionctl_specs
    assert motionctl_specs.load("safe-zones.json")["platforms"]


@dataclass(frozen=True)
class Installed:
    python: Path
    bin: Path
    site_packages: Path
    added: frozenset[str]  # the names the install added to site-packages


def _ignore(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == ROOT
    return {n for n in names if n == "__pycache__" or n.endswith(".egg-info") or (top and n in _NOT_SOURCES)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from a copy of the sources (offline: no build isolation, no index), installed with
    --no-deps into a fresh venv that takes its dependencies from this environment."""
    work = tmp_path_factory.mktemp("wheel")
    source, wheels, venv = work / "src", work / "wheels", work / "venv"
    shutil.copytree(ROOT, source, ignore=_ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(wheels), str(source)], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
                   check=True)
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([str(python), "-c", purelib], check=True, capture_output=True,
                               text=True).stdout.strip())
    before = {p.name for p in site.iterdir()}
    (wheel,) = wheels.glob("motionctl-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    added = frozenset({p.name for p in site.iterdir()} - before)
    # The dependencies (click, httpx, av…): from the system site (--system-site-packages) or, in a venv
    # made without it (CI), from this environment's site-packages; a plain path line, so that folder's
    # own .pth files (the editable install of the worktree) are not run.
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return Installed(python, venv / "bin", site, added)


def _run(installed: Installed, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # cwd outside the repository: `python -m` puts it first on sys.path, and the sources must not answer.
    return subprocess.run([*args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{installed.bin}:/usr/bin:/bin", "HOME": str(cwd)})


def test_python_m_motionctl_runs_from_the_installed_wheel(installed: Installed, tmp_path: Path) -> None:
    result = _run(installed, str(installed.python), "-m", "motionctl", "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "motionctl, version 0.1.0"
    script = _run(installed, str(installed.bin / "motionctl"), "--help", cwd=tmp_path)
    assert script.returncode == 0 and "run" in script.stdout, script.stderr
    origin = _run(installed, str(installed.python), "-c",
                  "import motionctl.runner.cli as cli; print(cli.__file__)",
                  cwd=tmp_path)
    assert origin.returncode == 0, origin.stderr
    assert all(line.startswith(str(installed.site_packages)) for line in origin.stdout.splitlines())


def test_the_wheel_adds_one_import_namespace(installed: Installed) -> None:
    assert installed.added == {"motionctl", "motionctl-0.1.0.dist-info"}


def test_every_package_of_the_repository_ships_under_motionctl(installed: Installed) -> None:
    for init in [p for top in ("runner", "mock_server", "specs") for p in (ROOT / top).rglob("__init__.py")]:
        shipped = installed.site_packages / "motionctl" / init.relative_to(ROOT)
        assert shipped.is_file(), f"{init.relative_to(ROOT)} is not in the wheel"


def _venv_with_test_deps(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    (Path(purelib) / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.fixture(scope="module")
def linkless_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``git -c core.symlinks=false clone`` of the sources as they are now (committed into a scratch repo
    first, so uncommitted work is what is checked): motionctl/runner and its siblings become text files."""
    work = tmp_path_factory.mktemp("linkless")
    origin, clone = work / "origin", work / "clone"
    shutil.copytree(ROOT, origin, symlinks=True, ignore=_ignore)
    shutil.copytree(ROOT / "workflows", origin / "workflows", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(origin)], check=True)
    subprocess.run([*git, "-C", str(origin), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(origin), "commit", "-q", "-m", "sources"], check=True)
    subprocess.run([*git, "-c", "core.symlinks=false", "clone", "-q", str(origin), str(clone)], check=True)
    for name in ("runner", "mock_server", "specs"):
        assert (clone / "motionctl" / name).is_file(), name  # what a checkout without links holds
    return clone


@pytest.mark.parametrize("editable", [False, True], ids=["wheel", "editable"])
def test_a_checkout_without_symlinks_installs_and_runs_the_quickstart(linkless_checkout: Path, editable: bool,
                                                                      tmp_path: Path) -> None:
    python = _venv_with_test_deps(tmp_path / "venv")
    target = ["-e", str(linkless_checkout)] if editable else [str(linkless_checkout)]
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", *target], check=True, capture_output=True)
    work = tmp_path / "work"
    shutil.copytree(linkless_checkout / "workflows", work / "workflows")
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(work)}
    run = subprocess.run([str(python.parent / "motionctl"), "run", "workflows/quickstart.yaml", "-q"],
                         cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    clip = work / "out" / "quickstart.mp4"
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 1920, 1080)
        assert sum(1 for _ in container.decode(video=0)) == 4 * 30
    where = subprocess.run([str(python), "-c", "import motionctl.runner.engine as e; print(e.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(linkless_checkout if editable else tmp_path / "venv"), where
