"""Recipes are bounded (issue 10.5/10.6): every hostile or invalid input is a located problem, exit 2, fast.

Each case runs the real CLI (``motionctl validate``) in-process and checks what a user sees: exit 2, one
``file:line:col:`` line naming the place, never "internal error", and no time to speak of.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from motionctl.runner.cli import main
from motionctl.runner.recipe.limits import MAX_CLIP_MS, MAX_JOBS, MAX_ZOOM_PAN_PERCENT, draft_bounds
from motionctl.runner.recipe.schema import recipe_schema
from tests.runner.recipe.recipes import WriteRecipe

HEAD = "version: 1\nname: demo\nsteps:\n  - upload: shoe.png\n"
HANG = 10.0  # seconds: each case takes milliseconds; on main several never finish


def validate(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str], float]:
    start = time.perf_counter()
    code = main(["validate", str(path), *extra])
    elapsed = time.perf_counter() - start
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    return code, err.splitlines(), elapsed


def one_located(path: Path, capsys: pytest.CaptureFixture[str], line: int, *words: str) -> str:
    code, lines, elapsed = validate(path, capsys)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}:{line}:"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    # Not a speed target (bench/fuzz_recipes.py reports those): an unbounded case takes minutes or forever.
    assert elapsed < HANG
    return lines[0]


# --- YAML ------------------------------------------------------------------------------------------------

def test_an_anchor_bomb_stops_at_the_value_cap(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    levels = "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                     for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    path = write_recipe("a: &a [x, x, x, x, x, x, x, x, x]\n" + levels + HEAD)
    one_located(path, capsys, 1, "more than 50,000 values", "aliases")


def test_a_merge_key_bomb_stops_too(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    merges = "".join(f"m{i + 1}: &m{i + 1} {{<<: [*m{i}, *m{i}], k{i}: 1}}\n" for i in range(40))
    path = write_recipe("m0: &m0 {x: 1}\n" + merges + HEAD)
    code, lines, elapsed = validate(path, capsys)
    assert code == 2 and len(lines) == 1 and elapsed < HANG
    # Located at the merge where the expansion crossed the cap: one of the merge lines.
    line = int(lines[0].removeprefix(f"{path}:").split(":")[0])
    assert 2 <= line <= 41 and "more than 50,000 values" in lines[0]


@pytest.mark.parametrize(("anchor", "line"), [
    ("a: &a [x, *a]", 1),                 # a list that holds itself
    ("a: &a {k: *a}", 1),                 # a mapping
    ("a: &a\n  b: [{c: *a}]", 1),         # deeper down
])
def test_an_alias_inside_its_own_anchor_is_a_loop_not_a_recursion_error(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str], anchor: str, line: int) -> None:
    path = write_recipe(anchor + "\n" + HEAD)
    one_located(path, capsys, line, "holds an alias to itself (a loop of YAML aliases)")


def test_aliases_nest_no_deeper_than_what_is_written(write_recipe: WriteRecipe,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # Each anchor one level around the one before: 500 levels in 500 short lines, under every size cap.
    chain = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 500))
    path = write_recipe(chain + HEAD)
    # Located at a39, the value whose alias starts the chain: where the nesting is written.
    one_located(path, capsys, 40, "nested more than 40 levels deep (counting what YAML aliases repeat)")


@pytest.mark.parametrize(("char", "shown"), [("\x00", "U+0000 NUL"), ("\x1b", "U+001B ESC"),
                                             ("\x7f", "U+007F DEL"), ("\x9b", "U+009B")])
def test_a_control_character_in_the_file_is_located(write_recipe: WriteRecipe,
                                                    capsys: pytest.CaptureFixture[str], char: str,
                                                    shown: str) -> None:
    path = write_recipe(HEAD + f'  - say: "zoom{char}in"\n')
    line = one_located(path, capsys, 5, f"a control character ({shown})")
    assert line.startswith(f"{path}:5:15:"), line  # the column of the character itself


@pytest.mark.parametrize(("written", "what"), [
    ('"a\\ud800b"', "character 2 of the text is a lone surrogate (U+D800), not a character"),
    ('"\\udfff"', "character 1 of the text is a lone surrogate (U+DFFF)"),
    ('"zoom\\0in"', "character 5 of the text is a control character (U+0000 NUL)"),
    ('"\\e[31mred"', "character 1 of the text is a control character (U+001B ESC)"),
])
def test_a_yaml_escape_cannot_make_text_that_is_not_text(write_recipe: WriteRecipe,
                                                         capsys: pytest.CaptureFixture[str], written: str,
                                                         what: str) -> None:
    path = write_recipe(HEAD + f"  - say: {written}\n  - text: {{content: {written}, for: 1s}}\n")
    code, lines, _ = validate(path, capsys)
    assert code == 2
    assert [line.split(": ", 1)[0] for line in lines] == [f"{path}:5:10", f"{path}:6:21"], lines
    assert all(what in line for line in lines), lines


@pytest.mark.parametrize("template", ["{{ '\\ud800' }}", "{{ 'zoom' ~ '\\x00' }}"])
def test_a_template_cannot_make_text_that_is_not_text(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str], template: str) -> None:
    # Jinja reads escapes in its string literals: the result is checked, not only the file.
    path = write_recipe(HEAD + f"  - say: {json.dumps(template)}\n")
    one_located(path, capsys, 5, "step 2 (say)", "the template's result: character")


def test_deep_nesting_is_located_not_a_recursion_error(write_recipe: WriteRecipe,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe(HEAD + "  - say: " + "[" * 3000 + "]" * 3000 + "\n")
    one_located(path, capsys, 5, "nested more than")


@pytest.mark.parametrize(("value", "words"), [
    ("!!int 0xZZ", ("'0xZZ' is not a valid !!int",)),
    ("!!timestamp 2026-99-99", ("YAML tag !!timestamp is not supported",)),
    ("!!binary aGVsbG8=", ("YAML tag !!binary is not supported",)),
    ("!!bool maybe", ("'maybe' is not a valid !!bool",)),
    ("!!python/name:os.system", ("YAML tag !!python/name:os.system is not supported",)),
    (".inf", ("not a finite number",)),
])
def test_yaml_tags_are_refused_where_they_are(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str],
                                              value: str, words: tuple[str, ...]) -> None:
    path = write_recipe(HEAD + f"  - duration: {value}\n")
    # One problem, at the tag: not a second one from the schema about the same value.
    one_located(path, capsys, 5, *words)


def test_an_oversized_recipe_file_is_refused(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    path = write_recipe(HEAD + "# " + "x" * (1024 * 1024) + "\n")
    one_located(path, capsys, 1, "over the 1,048,576-byte limit")


# --- matrix and templates --------------------------------------------------------------------------------

def test_a_huge_matrix_is_refused_before_it_is_expanded(write_recipe: WriteRecipe,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    keys = "".join(f"  k{i}: [{', '.join(str(v) for v in range(10))}]\n" for i in range(7))
    path = write_recipe("version: 1\nname: demo\nmatrix:\n" + keys + "steps:\n  - upload: shoe.png\n")
    one_located(path, capsys, 4, "10,000,000 combinations", f"limit of {MAX_JOBS:,} jobs")


def test_jobs_times_steps_is_bounded(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    values = ", ".join(str(v) for v in range(10_000))
    steps = "  - upload: shoe.png\n" + "  - say: \"{{ job }}\"\n" * 60
    path = write_recipe(f"version: 1\nname: demo\nmatrix:\n  k: [{values}]\nsteps:\n{steps}")
    one_located(path, capsys, 6, "10,000 jobs × 61 steps")


def test_include_entries_cannot_make_expansion_quadratic(write_recipe: WriteRecipe,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    values = ", ".join(str(v) for v in range(5000))
    includes = "".join(f"    - {{k: {v}, extra: {v}}}\n" for v in range(1000))
    path = write_recipe(f"version: 1\nname: demo\nmatrix:\n  k: [{values}]\n  include:\n{includes}"
                        "steps:\n  - upload: shoe.png\n")
    one_located(path, capsys, 4, "matched 5,000,000 times")


@pytest.mark.parametrize(("template", "words"), [
    ("{{ 'a' * 1000000000 }}", ("more than 10,000 characters",)),
    ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
     ("{% for %} loops: not supported",)),
    ("{{ range(10**9)|list }}", ("calls: not supported",)),
    ("{% include 'secrets.txt' %}", ("{% include %}: not supported",)),
    ("{{ 'a'.center(10**9) }}", ("calls: not supported",)),
    ("{{ '%999999999s' % 'a' }}", ("'%' formatting",)),
    ("{{ 10 ** 100000 }}", ("too large",)),
    ("{{ 1 / 0 }}", ("ZeroDivisionError",)),
    # Jinja's parser and compiler recurse on each of these; they stop at a bound, not at RecursionError.
    ("{" * 300, ("nests brackets and {% if %} blocks more than 10 levels",)),
    ("{{" + "(" * 300 + "1" + ")" * 300 + "}}", ("more than 10 levels",)),
    ("{{ " + "-" * 2000 + "1 }}", ("more than 100 names, operators and values",)),
    ("{{ name" + " | upper" * 500 + " }}", ("more than 100 names",)),
    ("{{ 1" + "+1" * 3000 + " }}", ("more than 100 names",)),
    ("{% if name %}" * 100 + "x" + "{% endif %}" * 100, ("more than 10 levels",)),
    ("{{ name }}" * 2001, ("the template is 20,010 characters long, over 10,000",)),
])
def test_templates_cannot_run_away(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str],
                                   template: str, words: tuple[str, ...]) -> None:
    path = write_recipe(HEAD + f"  - say: {json.dumps(template)}\n")
    one_located(path, capsys, 5, "step 2 (say)", *words)


# --- values ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("step", "words"), [
    ("duration: 1" + "0" * 100, ("100000000000…(101 digits) is too large (at most 600)",)),
    ("duration: 99999999999999999999s", ("longer than any clip can be",)),
    ('text: {content: hi, at: "100000s", for: 1s}', ("longer than any clip can be",)),
    ("motion: {zoom: in, duration: 86400s}", ("longer than any clip can be",)),
    ("say: " + "x" * 100_000, ("sends a sentence of 100,000 characters, over the 10,000",)),
    ("motion: {zoom: in, amount: 1" + "0" * 400 + "}", ("too large",)),
    ('motion: {roll: clockwise, amount: "720deg"}', ("at most 360 degrees",)),
    ('music: {mood: calm, volume: "300%"}', ("volume 300% is out of range (0% to 200%)",)),
    ('text: {content: hi, for: 1s, position: {x: "150%", y: 50}}', ("x 150% is out of range",)),
])
def test_every_duration_and_size_is_bounded(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str],
                                            step: str, words: tuple[str, ...]) -> None:
    path = write_recipe(HEAD + f"  - {step}\n")
    one_located(path, capsys, 5, *words)


@pytest.mark.parametrize("number", ["1.0e+308", "-1.0e+308"])
@pytest.mark.parametrize("default", ["duration: @", "music: {volume: @}", "text: {position: {x: @, y: 50}}"])
def test_defaults_the_schema_refused_are_reported_once_and_not_used(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str], number: str, default: str) -> None:
    head = f"version: 1\nname: demo\ndefaults:\n  {default.replace('@', number)}\n"
    path = write_recipe(head + "steps:\n  - upload: shoe.png\n"
                               "  - text: {content: hi, for: 1s, position: {x: 50, y: 50}}\n")
    one_located(path, capsys, 4, "defaults")


def test_a_default_aspect_that_is_not_one_does_not_reach_the_steps(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe("version: 1\nname: demo\ndefaults: {aspect: in}\nsteps:\n  - upload: shoe.png\n"
                        "  - text: {content: hi, for: 1s, position: {x: 50, y: 50}}\n")
    one_located(path, capsys, 3, "field 'defaults.aspect'")


def test_a_platform_cap_still_applies(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe(HEAD + "  - aspect: tiktok\n  - duration: 75s\n")
    one_located(path, capsys, 6, "longer than tiktok takes")


# --- files -----------------------------------------------------------------------------------------------

def test_a_300_character_file_name_is_a_located_problem(write_recipe: WriteRecipe,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_recipe(f"version: 1\nname: demo\nsteps:\n  - upload: {'a' * 300}.png\n")
    one_located(path, capsys, 4, "longer than 255 bytes")


def test_a_recipe_with_a_300_character_name_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    name = str(tmp_path / ("r" * 300 + ".yaml"))
    for command in ("validate", "plan", "run"):
        assert main([command, name]) == 2
        err = capsys.readouterr().err
        assert "cannot read the recipe (File name too long)" in err and "internal error" not in err


@pytest.mark.parametrize(("to", "words"), [
    ('"bad\\0name.mp4"', ("control character",)),
    (json.dumps("é" * 200 + ".mp4"), ("longer than 255 bytes",)),
])
def test_export_names_a_file_system_refuses_fail_validation(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str], to: str,
        words: tuple[str, ...]) -> None:
    path = write_recipe(HEAD + f"  - export: {{to: {to}}}\n")
    one_located(path, capsys, 5, "step 2 (export)", *words)


def test_uploads_must_lie_inside_the_recipes_folder(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    secret = outside / "photo.png"
    secret.write_bytes((Path(__file__).parent / "fixtures" / "shoe.png").read_bytes())
    folder = tmp_path / "repo"
    folder.mkdir()
    for written in (str(secret), "../private/photo.png"):
        path = folder / "r.yaml"
        path.write_text(f"version: 1\nname: demo\nsteps:\n  - upload: {written}\n", encoding="utf-8")
        line = one_located(path, capsys, 4, "outside the recipe's folder", "--allow-path")
        assert "photo.png" in line
        # --allow-path names a folder the user trusts: then it validates.
        assert main(["validate", str(path), "--allow-path", str(outside)]) == 0
        capsys.readouterr()


def test_a_symlink_out_of_the_folder_is_outside_too(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "photo.png"
    secret.write_bytes((Path(__file__).parent / "fixtures" / "shoe.png").read_bytes())
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "link.png").symlink_to(secret)
    path = folder / "r.yaml"
    path.write_text("version: 1\nname: demo\nsteps:\n  - upload: link.png\n", encoding="utf-8")
    one_located(path, capsys, 4, "outside the recipe's folder")


def test_a_truncated_jpeg_and_a_cut_short_wav_are_caught_at_their_lines(
        write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    import wave

    path = write_recipe("version: 1\nname: demo\nsteps:\n  - upload: [cut.jpg, cut.wav]\n"
                        "  - music: {file: cut.wav}\n  - motion: {zoom: in}\n")
    jpeg = Path(__file__).parents[3] / "workflows" / "images" / "watch.jpg"
    (path.parent / "cut.jpg").write_bytes(jpeg.read_bytes()[:600])
    with wave.open(str(path.parent / "cut.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000)
    data = (path.parent / "cut.wav").read_bytes()
    (path.parent / "cut.wav").write_bytes(data[:3000])
    code, lines, _ = validate(path, capsys)
    assert code == 2
    # Two problems, each at its own file name; the steps that use the files are not reported as well.
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{path}:4:14: step 1 (upload), field 'upload[0]': 'cut.jpg': the jpg file "
                               "does not decode")
    assert lines[1].startswith(f"{path}:4:23: step 1 (upload), field 'upload[1]': 'cut.wav': the wav file "
                               "is cut short")
    assert all("copy it again" in line for line in lines)


# --- one source of truth for ranges (issue 8.7) ----------------------------------------------------------

def test_recipe_schema_states_the_ranges_the_draft_enforces() -> None:
    defs = recipe_schema()["$defs"]
    bounds = draft_bounds()
    number = next(b for b in defs["volume"]["anyOf"] if b.get("type") == "number")
    assert (number["minimum"], number["maximum"]) == (bounds.volume.minimum, bounds.volume.maximum)
    assert (defs["size"]["minimum"], defs["size"]["maximum"]) == (bounds.text_size.minimum,
                                                                  bounds.text_size.maximum)
    from motionctl.specs import load

    draft = load("draft.schema.json")["$defs"]
    assert defs["color"]["pattern"] == draft["textSegment"]["properties"]["color"]["pattern"]
    assert defs["motion"]["properties"]["easing"]["enum"] == draft["motion"]["properties"]["easing"]["enum"]
    assert set(draft["draftMeta"]["properties"]["aspect"]["enum"]) <= set(defs["aspect"]["enum"])
    # And our own caps, where the schema states them for editors.
    seconds = next(b for b in defs["seconds"]["anyOf"] if b.get("type") == "number")
    assert seconds["maximum"] * 1000 == MAX_CLIP_MS
    amount = next(b for b in defs["amount"]["anyOf"] if b.get("type") == "number")
    assert amount["maximum"] == MAX_ZOOM_PAN_PERCENT
