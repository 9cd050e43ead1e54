"""Hypothesis strategies for hostile recipe *texts* (not just documents): YAML tags, anchors and merges,
deep nesting, runaway templates, huge numbers, odd file names. Shared by the fuzz test and
bench/fuzz_recipes.py (the long run).

Two families: ``recipes`` builds texts from hostile fragments; ``mutated`` takes a recipe that uses every
step kind and field (fixtures/every-step.yaml) and puts hostile values, keys and characters where real ones
were, so that every field meets every kind of bad value, past the schema into the code behind it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from motionctl.runner.recipe.model import STEP_KINDS

TAGGED = ["!!int 0xZZ", "!!timestamp 2026-99-99", "!!binary aGk=", "!!python/name:os.system", "!!float x",
          "!!set {a, b}", "!!omap [a: 1]", ".inf", ".nan", "-.inf", "2026-01-01", "0o777", "1e400", "~",
          "!x y", "!!str 1", "!!bool maybe", "!!null x", "!!int 9999999999999999999999999999999999", "*a0"]
TEMPLATES = ["{{ 'a' * 1000000000 }}",
             "{% for i in range(9) %}{% for j in range(9) %}x{% endfor %}{% endfor %}",
             "{{ range(10**9)|list }}", "{% include 'x' %}", "{{ 10 ** 10 ** 10 }}", "{{ x }}", "{{ nope }}",
             "{{ name | slug }}", "{{ job }}", "{{ ''.__class__ }}", "{{ 1/0 }}", "{% if x %}a{% endif %}",
             "{{ x | replace('', x) }}", "{% set a = 1 %}", "{{", "{% raw %}", "{{ image | stem }}",
             "{{ '%99999999s' % 1 }}", "{% macro m() %}{% endmacro %}", "{{ x * 100000 }}"]
NUMBERS = ["0", "-1", "1" + "0" * 100, "1e308", "99999999999999999999s", "6s", "1500ms", "300%", "35%",
           "720deg", "15%", "0.5", "1" + "0" * 5000, "9:16", "tiktok", "-0", "1_000"]
NAMES = ["shoe.png", "song.mp3", "missing.png", "../x.png", "/etc/passwd", "~/x.png", "a" * 300 + ".png",
         "nul\\0x.png", "é" * 200 + ".mp4", "x.mp4", "dir/", ".", "", "notes.png", "con.mp4"]
KEYS = [*STEP_KINDS, "zoom", "pan", "roll", "amount", "speed", "duration", "content", "at", "for", "position",
        "mood", "file", "volume", "to", "format", "x", "y", "tracks", "<<", "zom"]


def _quoted(text: str) -> str:
    return json.dumps(text)


scalar = st.one_of(st.sampled_from(TAGGED), st.sampled_from(NUMBERS), st.sampled_from(NAMES).map(_quoted),
                   st.sampled_from(TEMPLATES).map(_quoted),
                   st.sampled_from(["in", "out", "left", "slow", "lo-fi"]))


def _nest(depth: int, value: str) -> str:
    return "[" * depth + value + "]" * depth


flow = st.recursive(scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=3).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"),
    st.tuples(st.integers(1, 200), inner).map(lambda t: _nest(*t))), max_leaves=6)

step = st.tuples(st.sampled_from(KEYS), flow).map(lambda kv: f"  - {kv[0]}: {kv[1]}")
# Steps that are fine, so that plans come out too and the hostile parts meet a working recipe.
good_step = st.sampled_from(["  - upload: shoe.png", "  - motion: {zoom: in, speed: slow}",
                             "  - duration: 4s",
                             "  - text: {content: \"{{ x }}\", for: 2s}", "  - export: \"{{ job }}.mp4\"",
                             "  - music: lo-fi", "  - say: \"{{ x | upper }}\""])


def _bomb(levels: int) -> str:
    refs = ", ".join(["*a{i}"] * 9)
    return "".join(f"  a{i + 1}: &a{i + 1} [{refs.format(i=i)}]\n" for i in range(levels))


def _matrix(keys: int, values: int) -> str:
    if not keys:
        return ""
    lists = "".join(f"  k{i}: [{', '.join(str(v) for v in range(values))}]\n" for i in range(keys))
    return "matrix:\n" + lists


broken = st.sampled_from(["", '"unclosed', "[", "{a: 1", "a: b: c", "\t- x", "- - -", "&a *a", "!!",
                          "%YAML 9", "---\n---", "? [a]\n: b", "<<: *nope"])


def _recipe(bomb: str, matrix: str, steps: list[str], tail: str, name: str) -> str:
    head = "version: 1\nname: " + name + "\nvars:\n  x: &a0 hi\n" + bomb
    return head + matrix + "steps:\n  - upload: shoe.png\n" + "\n".join(steps) + "\n" + tail


recipes = st.builds(
    _recipe,
    st.one_of(st.just(""), st.just(""), st.integers(1, 12).map(_bomb)),
    st.one_of(st.just(""), st.tuples(st.integers(0, 8), st.integers(1, 12)).map(lambda kv: _matrix(*kv))),
    st.lists(st.one_of(step, good_step, good_step), max_size=5),
    st.one_of(st.just(""), st.just(""), broken),
    st.sampled_from(["demo", "demo", '"{{ x }}"', "!!binary aGk=", "''"]))


# --- mutations of a recipe that uses every field ------------------------------------------------------------

EVERY_STEP: Any = yaml.safe_load((Path(__file__).parent / "fixtures" / "every-step.yaml").read_text("utf-8"))

HOSTILE_TEXT = [
    "{" * 300, "{{" + "(" * 300, "{{ " + "-" * 2000 + "1 }}", "{{ " + "not " * 1000 + "x }}",
    "{{ x" + "|upper" * 500 + " }}", "{{ 1" + "+1" * 5000 + " }}", "{{ " + "[" * 300 + "]" * 300 + " }}",
    "{{ " + "x." * 500 + "y }}", "{% if x %}" * 100 + "{% endif %}" * 100, "{{ brand }}" * 2000,
    "a\x00b", "\ud800", "x\udfffy", "\x1b[31m", "a" * 100_001, "a" * 10_001, "\u2028", "\ufeff", "\u202e",
    "😀" * 50, "", " ", "\n", "..", "../../x", "/etc/passwd", "con", "a/" * 3000, "é" * 300,
    "{{ '\\ud800' }}", "{{ brand ~ '\\x00' }}", "{{ 1e308 * 10 }}", "{{ (10**300) | float }}", "{{ -1e308 }}",
    "{{ brand | truncate(10**18) }}", "{{ [1,2] | join('x' * 100000) }}", "{{ brand | round(99999999) }}",
    "{{ 1.5 | round(10**9) }}", "{{ 10.0 ** 400 }}", "{{ 10 ** -400 }}", "{{ 9e307 + 9e307 }}",
    "{{ brand | int(default=2**9999) }}", "{{ brand | d(1/0) }}", "{{ [brand] * 10000 }}", "{{ x }}",
    "6s", "1500ms", "-1s", "599.9999999999s", "600.0000001s", "35%", "500.01%", "9:16", "tiktok", "in",
    "left", "#ffcc00", "shoe.png", "song.mp3", "1e308", "-1e308"]
HOSTILE_NUMBERS: list[Any] = [
    1e308, -1e308, 5e-324, -0.0, -1, 0, 10**400, -10**400, 2**63, 0.5, 600, 600.0000001, 500.0000001, 360.1,
    100.0001, 7.999, 400.01, True, None]
HOSTILE_SHAPES: list[Any] = [[], {}, [[[]]], {"a": 1}, ["shoe.png"] * 3, {"x": 1e308, "y": -1e308},
                             {"x": "\ud800", "y": 5}]
# Written into the text itself: characters YAML refuses, a BOM mid-file, escapes, a brace storm.
RAW = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ufeff", "\u2028", "{" * 400, "\\ud800", "\\x00", "\t", "\r"]


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.extend(_paths(item, (*at, key)))
    return found


def _replace(doc: Any, at: tuple[Any, ...], new: Any, rename: bool) -> Any:
    if not at:
        return new
    parent = doc
    for part in at[:-1]:
        parent = parent[part]
    if rename and isinstance(parent, dict):
        parent[str(new)] = parent.pop(at[-1])
    else:
        parent[at[-1]] = new
    return doc


hostile_value = st.one_of(st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_NUMBERS),
                          st.sampled_from(HOSTILE_SHAPES), st.text(max_size=20)).map(copy.deepcopy)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    doc = copy.deepcopy(EVERY_STEP)
    if draw(st.booleans()):
        doc["matrix"] = {"p": draw(st.lists(hostile_value, min_size=1, max_size=3))}
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(_paths(doc)))
        doc = _replace(doc, at, draw(hostile_value), rename=draw(st.integers(0, 9)) == 0)
    text = yaml.dump(doc, allow_unicode=True, width=10**9)
    loop = draw(st.sampled_from(["", "", "", "vars", "tail"]))
    if loop == "vars" and "\nvars:" in "\n" + text:
        text = text.replace("vars:", "vars: &v\n  self: *v\n ", 1)
    elif loop == "tail":
        text += "zz: &z [*z]\n"
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(RAW)) + text[at:]
    return text


any_recipe = st.one_of(recipes, mutated())
