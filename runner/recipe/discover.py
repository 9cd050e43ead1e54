"""Command-line paths → the recipe files among them: folders and shell globs expand to the recipes inside.

``motionctl validate workflows/*`` passes the recipes, their golden files and the ``images`` folder; only
the recipes are meant. A folder stands for the YAML files in it (recursively, in name order); golden files
(``*.golden.yaml``) and non-YAML files met while expanding are skipped. A file named on its own is taken as
a recipe whatever its suffix (so a typo still gets an error), unless it is a golden file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import UsageError

GOLDEN_SUFFIX = ".golden.yaml"
RECIPE_SUFFIXES = (".yaml", ".yml")


def is_recipe_name(path: Path) -> bool:
    return path.suffix.lower() in RECIPE_SUFFIXES and not path.name.endswith(GOLDEN_SUFFIX)


def _is(path: Path, test: Callable[[Path], bool]) -> bool:
    """``path.is_dir()`` and the like, False where the OS refuses the name (ENAMETOOLONG, a NUL byte):
    reading the recipe then reports it, located and with exit 2."""
    try:
        return test(path)
    except (OSError, ValueError):
        return False


def recipe_files(paths: Iterable[Path]) -> list[Path]:
    """The recipes named by ``paths``, each once, in the order given.

    Raises:
        UsageError: nothing named is a recipe (only goldens, or folders without recipes).
    """
    given = list(paths)
    several = len(given) > 1
    found: dict[Path, None] = {}
    for path in given:
        if _is(path, Path.is_dir):
            found.update((p, None) for p in sorted(path.rglob("*")) if p.is_file() and is_recipe_name(p))
        elif path.name.endswith(GOLDEN_SUFFIX):
            continue
        elif several and _is(path, Path.exists) and not is_recipe_name(path):
            continue  # a glob's stray file (an image beside the recipes)
        else:
            found[path] = None
    if given and not found:
        first = given[0]
        if first.name.endswith(GOLDEN_SUFFIX):
            recipe = first.with_name(first.name.removesuffix(GOLDEN_SUFFIX) + ".yaml")
            raise UsageError(f"{first}: a golden file, not a recipe", hint=f"pass {recipe} instead")
        raise UsageError(f"no recipe among {', '.join(str(p) for p in given[:3])}",
                         hint="recipes are .yaml files; golden files (*.golden.yaml) are skipped")
    return list(found)
