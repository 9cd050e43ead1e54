"""Hypothesis strategies for hostile recipe *texts* (not just documents): YAML tags, anchors and merges,
deep nesting, runaway templates, huge numbers, odd file names. Shared by the fuzz test and
bench/fuzz_recipes.py (the long run)."""

from __future__ import annotations

import json

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
