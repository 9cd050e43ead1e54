"""Every limit README's "Recipe limits" table lists is what `motionctl validate` enforces (issue 19, 24.7).

The test reads the table itself: each case finds its number in its row (so the README and the code cannot
drift apart), writes a recipe at the limit (it passes, or at least is not refused for this limit) and one just
over it (refused, exit 2, with a located problem that says so). A row without cases fails the test, so a limit
added to the README is a limit tried.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from motionctl.runner.cli import main
from motionctl.runner.recipe.limits import MAX_NAME_BYTES
from tests.runner.recipe.recipes import WriteRecipe

README = Path(__file__).parents[3] / "README.md"
HEAD = "version: 1\nname: demo\nsteps:\n  - upload: shoe.png\n"


def limits_table() -> dict[str, str]:
    """README's recipe limits: row name → its limit text."""
    section = README.read_text(encoding="utf-8").split("## Recipe limits, validation and job selection")[1]
    table = section[section.index("| what | limit |"):].split("\n\n")[0]
    rows = [line.strip("|").split(" | ", 1) for line in table.splitlines()[2:]]
    return {name.strip(): text.strip() for name, text in rows}


def step(line: str) -> str:
    return HEAD + f"  - {line}\n"


def values(text: str) -> int:
    """How many values the loader counts in ``text``: every value, each alias as what it repeats."""
    def count(value: object) -> int:
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        return 1 + sum(count(item) for item in items)
    return count(yaml.safe_load(text))


def exactly_values(n: int) -> str:
    """A valid recipe of exactly ``n`` values, most of them aliases of one exclude entry."""
    def recipe(entries: int, described: bool) -> str:
        aliases = "".join(", *e" for _ in range(entries - 1))
        described_line = "description: x\n" if described else ""
        return with_matrix(f"  k: [1]\n  exclude: [&e {{k: 0}}{aliases}]\n") + described_line
    base = values(recipe(1, False)) - 2  # an entry is two values: its mapping and its one value
    entries, odd = divmod(n - base, 2)
    return recipe(entries, bool(odd))


def alias_chain(depth: int) -> str:
    """Anchors each holding the one before: the last one nests ``depth`` levels, root included."""
    links = depth - 2  # the root mapping, then a0's list
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, links + 1))
    return chain + HEAD


def with_matrix(matrix: str, more_steps: str = "") -> str:
    return f"version: 1\nname: demo\nmatrix:\n{matrix}steps:\n  - upload: shoe.png\n{more_steps}"


def listed(n: int) -> str:
    return "[" + ", ".join(str(i) for i in range(n)) + "]"


def export_path(size: int, out: Path) -> str:
    """An export path that makes the path under ``out`` exactly ``size`` bytes, in legal names."""
    folders, rest = divmod(size - len(os.fsencode(out.absolute() / "x.mp4")), 255)
    return f"{'d' * 254}/" * folders + "x" * (rest + 1) + ".mp4"


@dataclass(frozen=True)
class Limit:
    """One limit of a README row: its number(s) found by ``pattern``, a recipe at it and one just over."""

    row: str
    pattern: str  # a regex over the row's text; its groups are the numbers (1,000 separators allowed)
    build: Callable[..., tuple[str, str]]  # numbers (and out=, if it takes one) → (at the limit, just over)
    words: str  # in the problem the recipe over the limit gets
    at_limit_is_valid: bool = True  # False where no valid recipe reaches the limit (nesting)
    files: Sequence[str] = ()  # file names (relative to the recipe's folder) made from shoe.png first
    links: Sequence[tuple[str, str]] = ()  # links made first: (name, target), relative to the recipe's folder

    def numbers(self, table: dict[str, str]) -> list[float]:
        match = re.search(self.pattern, table[self.row])
        assert match, f"README's {self.row!r} row no longer says {self.pattern!r}: update this test's case"
        return [float(group.replace(",", "")) for group in match.groups()]


def pair(line: str, at_limit: object, over: object) -> tuple[str, str]:
    """The recipe with step ``line`` holding a value at the limit, and with one just over it."""
    return step(line.format(at_limit)), step(line.format(over))


def _just_over(n: float) -> str:
    return f"{n + 0.01:g}"


LIMITS = [
    Limit("recipe file", r"^(\d+) MiB",
          lambda mib: ((text := HEAD + "#" * (int(mib * 1024 * 1024) - len(HEAD) - 1) + "\n"),
                       text + "#"), "-byte limit"),
    Limit("recipe file", r"nesting (\d+) levels",
          lambda n: (step("say: " + "[" * int(n - 3) + "]" * int(n - 3)),
                     step("say: " + "[" * int(n - 2) + "]" * int(n - 2))),
          "nested more than", at_limit_is_valid=False),
    Limit("recipe file", r"nesting (\d+) levels, counting what aliases repeat",
          lambda n: (alias_chain(int(n)), alias_chain(int(n) + 1)), "counting what YAML aliases repeat",
          at_limit_is_valid=False),
    Limit("recipe file", r"([\d,]+) values after YAML aliases",
          lambda n: (exactly_values(int(n)), exactly_values(int(n) + 1)), "values (YAML aliases repeat"),
    Limit("recipe file", r"an alias inside its own anchor \(a loop\) is refused",
          lambda: ("version: 1\nname: demo\nvars: {a: &a x, b: *a}\nsteps:\n  - upload: shoe.png\n",
                   "version: 1\nname: demo\nx: &a [*a]\nsteps:\n  - upload: shoe.png\n"), "a loop"),
    Limit("YAML types", r"`!!binary`", lambda: (step('say: "!!binary aGk="'), step("say: !!binary aGk=")),
          "YAML tag !!binary is not supported"),
    Limit("YAML types", r"`\.inf`", lambda: (step("duration: 1.0e+2"), step("duration: .inf")),
          "not a finite number"),
    Limit("matrix", r"([\d,]+) jobs",
          lambda n: (with_matrix(f"  a: {listed(int(n))}\n"),
                     with_matrix(f"  a: {listed(int(n))}\n  include: [{{a: new}}]\n")),
          "combinations, over the limit of"),
    Limit("matrix", r"([\d,]+) include/exclude matches",
          lambda n: tuple(with_matrix(f"  k: {listed(100)}\n  exclude: [&e {{k: -1}}{', *e' * (m - 1)}]\n")
                          for m in (int(n) // 100, int(n) // 100 + 1)),
          "entries would be matched"),
    Limit("matrix", r"([\d,]+) planned steps",
          lambda n: tuple(with_matrix(f"  a: {listed(100)}\n  b: {listed(100)}\n", "  - say: in\n" * (m - 1))
                          for m in (int(n) // 10_000, int(n) // 10_000 + 1)),
          "steps to plan; split the recipe"),
    Limit("templates", r"result of at most ([\d,]+) characters",
          lambda n: tuple(f"version: 1\nname: demo\nvars: {{x: {'a' * (int(n) // 2)}}}\n"
                          + step(f'say: "{{{{ x }}}}{{{{ x }}}}{extra}"').split("name: demo\n")[1]
                          for extra in ("", "b")),
          "the template makes more than"),
    Limit("templates", r"a template and its result of at most ([\d,]+) characters each",
          lambda n: tuple(step(json.dumps({"say": "{{ name }}" + "a" * (size - 10)}))
                          for size in (int(n), int(n) + 1)),
          "characters long, over"),
    Limit("templates", r"nested at most (\d+) deep",
          lambda n: tuple(step(f'say: "{{{{ {"(" * depth}1{")" * depth} }}}}"')
                          for depth in (int(n), int(n) + 1)),
          "levels deep; simplify it"),
    Limit("templates", r"at most (\d+) names, operators and values",
          lambda n: tuple(step(f'say: "{{{{ {"-" * (parts - 1)}1 }}}}"') for parts in (int(n), int(n) + 1)),
          "names, operators and values; templates substitute"),
    *[Limit("durations", r"(\d+) minutes for any duration",
            lambda minutes, at=at: pair(at, f"{minutes * 60:g}s", f"{minutes * 60 + 0.001:g}s"),
            "longer than any clip can be")
      for at in ("duration: {}", "text: {{content: hi, at: {}, for: 1s}}", "text: {{content: hi, for: {}}}",
                 "motion: {{zoom: in, duration: {}}}")],
    Limit("durations", r"tiktok (\d+) s",
          lambda n: tuple(step(f"aspect: tiktok\n  - duration: {s:g}s") for s in (n, n + 0.001)),
          "longer than tiktok takes"),
    Limit("amounts, positions, volume, size", r"zoom/pan/tilt ≤ (\d+)%",
          lambda n: tuple(step(f"motion: {{zoom: in, amount: {a}%}}") for a in (f"{n:g}", _just_over(n))),
          "zoom amount 500.01% is too large (at most"),
    Limit("amounts, positions, volume, size", r"zoom/pan/tilt ≤ (\d+)%",
          lambda n: tuple(step(f"motion: {{pan: left, amount: {a}}}") for a in (f"{n:g}", _just_over(n))),
          "500.01 is too large (at most"),
    Limit("amounts, positions, volume, size", r"roll ≤ (\d+) degrees",
          lambda n: pair("motion: {{roll: clockwise, amount: {}deg}}", f"{n:g}", _just_over(n)),
          "at most 360 degrees"),
    *[Limit("amounts, positions, volume, size", r"positions and focus (\d+)–(\d+)%",
            lambda low, high, line=line, side=side: tuple(
                step(line.format(v)) for v in ((f"{high:g}", _just_over(high)) if side == "high"
                                               else (f"{low:g}", f"{low - 0.01:g}"))),
            words)
      for line in ("motion: {{zoom: in, focus: {{x: {}, y: 50}}}}",
                   "text: {{content: hi, for: 1s, keep_safe: false, position: {{x: 50, y: {}}}}}")
      for side, words in (("high", "is too large (at most 100)"), ("low", "is too small (at least 0)"))],
    Limit("amounts, positions, volume, size", r"\((\d+)–(\d+)%, \d+–\d+ px\)",
          lambda low, high: tuple(step(f"music: {{mood: calm, volume: {v}}}") for v in (high, high + 0.01)),
          "is too large (at most 200)"),
    Limit("amounts, positions, volume, size", r"\((\d+)–(\d+)%, \d+–\d+ px\)",
          lambda low, high: tuple(step(f"music: {{mood: calm, volume: {v:g}}}") for v in (low, low - 0.01)),
          "is too small (at least 0)"),
    Limit("amounts, positions, volume, size", r"\(\d+–\d+%, (\d+)–(\d+) px\)",
          lambda low, high: pair("text: {{content: hi, for: 1s, size: {:g}}}", high, high + 1),
          "is too large (at most"),
    Limit("amounts, positions, volume, size", r"\(\d+–\d+%, (\d+)–(\d+) px\)",
          lambda low, high: pair("text: {{content: hi, for: 1s, size: {:g}}}", low, low - 1),
          "is too small (at least"),
    Limit("text", r"no lone surrogates",
          lambda: (step('say: "zoom \\u00e9"'), step('say: "zoom \\ud800"')), "a lone surrogate (U+D800)"),
    Limit("text", r"no control characters but tab and line breaks",
          lambda: pair('say: "{}"', "zoom\\tin\\nslowly", "zoom\\ein"), "a control character (U+001B"),
    Limit("text", r"in the file \(NUL, ESC: refused at their line and column\)",
          lambda: (step('say: "zoom\tin"'), step('say: "zoom\0in"')), "a control character (U+0000 NUL)"),
    Limit("text", r"at most ([\d,]+) characters, an instruction's limit",
          lambda n: tuple(step("say: " + "x" * size) for size in (int(n), int(n) + 1)),
          "characters, over the"),
    Limit("file names", r"no control characters \(NUL\)",
          lambda: (step('export: "a b.mp4"'), step('export: "a\\0b.mp4"')), "(U+0000 NUL)"),
    Limit("file names", r"at most (\d+) bytes a name",
          lambda n: tuple(step(f"export: {'a' * (size - 4)}.mp4") for size in (int(n), int(n) + 1)),
          "' is longer than"),
    Limit("file names", r"([\d,]+) a path \(`--out` included",
          lambda n, out: tuple(step(f"export: {export_path(size, out)}") for size in (int(n), int(n) + 1)),
          "with the output folder before it, the path is"),
    Limit("file names", r"at most (\d+) bytes a name.*; upload names alike",
          lambda n: tuple(HEAD.replace("shoe.png", "a" * int(size - 4) + ".png") for size in (n, n + 1)),
          "' is longer than", files=("a" * (MAX_NAME_BYTES - 4) + ".png",)),
    Limit("outputs", r"clips inside `--out` \(`validate` refuses an export whose folder is a link out of it",
          lambda: (step("export: inside/clip.mp4"), step("export: outside/clip.mp4")),
          "would leave the output folder",
          links=(("out/inside", "out/real"), ("out/outside", "elsewhere"))),
    Limit("uploads", r"must lie inside the recipe's folder",
          lambda: (HEAD, HEAD.replace("shoe.png", "../outside.png")), "outside the recipe's folder",
          files=("../outside.png",)),
]


def test_every_row_of_the_readme_table_has_its_limits_tried() -> None:
    table = limits_table()
    assert set(table) == {limit.row for limit in LIMITS}
    for limit in LIMITS:
        limit.numbers(table)  # each case still finds what it tries in its row


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: f"{limit.row}: {limit.words}")
def test_validate_takes_a_recipe_at_the_limit_and_refuses_one_just_over(
        limit: Limit, write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    numbers = limit.numbers(limits_table())
    folder = write_recipe("").parent
    out = folder / "out"
    takes_out = "out" in inspect.signature(limit.build).parameters
    at_limit, over = limit.build(*numbers, out=out) if takes_out else limit.build(*numbers)
    recipe = write_recipe(at_limit)
    for name in limit.files:
        (folder / name).write_bytes((folder / "shoe.png").read_bytes())
    for name, target in limit.links:
        (folder / target).mkdir(parents=True)
        (folder / name).symlink_to(folder / target)
    validate = ["validate", str(recipe), "--out", str(out)]
    code = main(validate)
    err = capsys.readouterr().err
    assert "internal error" not in err and limit.words not in err, err[:500]
    if limit.at_limit_is_valid:
        assert code == 0, err[:500]

    recipe = write_recipe(over)
    code = main(validate)
    err = capsys.readouterr().err
    assert code == 2 and "internal error" not in err, err[:500]
    found = [line for line in err.splitlines() if limit.words in line]
    assert found, err[:500]
    assert re.match(rf"{re.escape(str(recipe))}:\d+:\d+: ", found[0]), found[0][:300]
    if numbers:  # the problem names the limit it broke
        shown = {f"{n:g}" for n in numbers} | {f"{n:,.0f}" for n in numbers} | {f"{n * 1024 * 1024:,.0f}"
                                                                           for n in numbers}
        assert any(number in found[0] for number in shown), (numbers, found[0][:300])
