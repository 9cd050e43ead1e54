"""Job selection and sharding (issue 12), and planning work that does not grow per job beyond what must."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from motionctl.runner.cli import main
from motionctl.runner.errors import UsageError
from motionctl.runner.recipe import load_plan, schema, templates
from motionctl.runner.recipe.select import Selection, parse_shard, shard_from_env, shard_of
from tests.runner.recipe.recipes import FIXTURES, WriteRecipe

IDS = [f"spring-{product:04d}-{platform}" for product in range(2500)
       for platform in ("tiktok", "reels", "shorts", "youtube")]


def test_shards_partition_the_jobs_and_are_balanced() -> None:
    for total in (2, 3, 7):
        counts = Counter(shard_of(job, total) for job in IDS)
        assert set(counts) == set(range(1, total + 1))
        expected = len(IDS) / total
        # A hash balances statistically: a shard's count is binomial, off the mean by about one standard
        # deviation (README). Exact counts would need a global ranking, which moves jobs between shards
        # whenever one is added; stability wins. These ids measure at most 2.9 deviations off (7 shards).
        sigma = math.sqrt(len(IDS) * (1 / total) * (1 - 1 / total))
        assert all(abs(n - expected) < 3 * sigma for n in counts.values()), counts


def test_adding_jobs_moves_no_other_job() -> None:
    before = {job: shard_of(job, 5) for job in IDS[:1000]}
    grown = [*IDS[:500], "spring-new-product-tiktok", *IDS[500:1000], "another-one"]
    after = {job: shard_of(job, 5) for job in grown}
    assert all(after[job] == shard for job, shard in before.items())


def test_parse_shard() -> None:
    assert (parse_shard("2/5").index, parse_shard(" 2 / 5 ").total) == (2, 5)
    for bad in ("0/3", "4/3", "1-3", "x/y", "3"):
        with pytest.raises(UsageError):
            parse_shard(bad)


@pytest.mark.parametrize(("env", "expected"), [
    ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "4"}, (1, 4)),  # GitLab parallel: 1-based
    ({"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETION_TOTAL": "4"}, (1, 4)),  # Kubernetes Indexed Job: 0-based
    ({"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETION_TOTAL": "4"}, (4, 4)),
    ({"MOTIONCTL_SHARD_INDEX": "2", "MOTIONCTL_SHARD_TOTAL": "3"}, (2, 3)),  # GitHub Actions matrix
])
def test_shard_auto_reads_the_ci_system(env: dict[str, str], expected: tuple[int, int]) -> None:
    shard = shard_from_env(env)
    assert (shard.index, shard.total) == expected


@pytest.mark.parametrize("env", [{}, {"CI_NODE_INDEX": "1"}, {"JOB_COMPLETION_INDEX": "4",
                                                              "JOB_COMPLETION_TOTAL": "4"},
                                 {"CI_NODE_INDEX": "one", "CI_NODE_TOTAL": "2"}])
def test_shard_auto_without_usable_variables_is_a_usage_error(env: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        shard_from_env(env)


MATRIX = """\
version: 1
name: sale
matrix:
  image: [shoe.png, bag.jpg]
  platform: [tiktok, reels, youtube]
steps:
  - upload: "{{ image }}"
  - motion: {zoom: in}
"""


def _plan_ids(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(["plan", "--json", *args]) == 0
    return [job["id"] for job in json.loads(capsys.readouterr().out)["jobs"]]


def test_plan_job_patterns_and_shards(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_recipe(MATRIX))
    every = _plan_ids(capsys, path)
    assert len(every) == 6
    assert _plan_ids(capsys, path, "--job", "*-tiktok") == ["sale-shoe-tiktok", "sale-bag-tiktok"]
    assert _plan_ids(capsys, path, "--job", "*-tiktok", "--job", "sale-bag-*") == [
        "sale-shoe-tiktok", "sale-bag-tiktok", "sale-bag-reels", "sale-bag-youtube"]
    shards = [_plan_ids(capsys, path, "--shard", f"{i}/3") for i in (1, 2, 3)]
    assert sorted(j for shard in shards for j in shard) == sorted(every)  # each job in exactly one shard
    assert shards == [[j for j in every if shard_of(j, 3) == i] for i in (1, 2, 3)]


def test_shard_auto_in_plan(write_recipe: WriteRecipe, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(write_recipe(MATRIX))
    monkeypatch.setenv("CI_NODE_INDEX", "2")
    monkeypatch.setenv("CI_NODE_TOTAL", "3")
    assert _plan_ids(capsys, path, "--shard", "auto") == _plan_ids(capsys, path, "--shard", "2/3")


def test_a_job_pattern_that_matches_nothing_is_exit_2(write_recipe: WriteRecipe,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_recipe(MATRIX))
    for command in ("plan", "run"):  # run refuses before any API call
        assert main([command, path, "--job", "*-tiktk"]) == 2
        err = capsys.readouterr().err
        assert "--job '*-tiktk' matches no job" in err and "sale-shoe-tiktok" in err


def test_a_shard_keeps_the_whole_recipes_hash(write_recipe: WriteRecipe) -> None:
    path = write_recipe(MATRIX)
    whole = load_plan(path)
    part = load_plan(path, select=Selection(shard=parse_shard("1/2")))
    assert part.recipe_hash == whole.recipe_hash and len(part.jobs) < len(whole.jobs)


def test_a_big_matrix_is_checked_per_distinct_value_not_per_job(
        write_recipe: WriteRecipe, monkeypatch: pytest.MonkeyPatch) -> None:
    products = ", ".join(f"p{i}" for i in range(200))
    path = write_recipe(f"version: 1\nname: big\nmatrix:\n  image: [shoe.png, bag.jpg]\n"
                        f"  product: [{products}]\n  platform: [tiktok, reels, youtube]\nsteps:\n"
                        '  - upload: "{{ image }}"\n  - motion: {zoom: in}\n'
                        '  - text: {content: "{{ product }}", for: 2s}\n'
                        '  - export: "{{ product }}-{{ image | stem }}-{{ platform }}.mp4"\n')
    calls = Counter[str]()
    real_check, real_render = schema.check_step, templates.render

    def counting_check(*args: object) -> object:
        calls["check"] += 1
        return real_check(*args)  # type: ignore[arg-type]

    def counting_render(*args: object) -> object:
        calls["render"] += 1
        return real_render(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(schema, "check_step", counting_check)
    monkeypatch.setattr(templates, "render", counting_render)
    plan = load_plan(path)
    assert len(plan.jobs) == 1200
    # Upload: 2 values; text: 200; export: free text, one shape. Renders: once per distinct input.
    assert calls["check"] == 3
    assert calls["render"] == 2 + 200 + 1200


def test_run_runs_only_its_shard_and_takes_uploads_from_an_allowed_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("NEMO_TOKEN", raising=False)
    monkeypatch.delenv("NEMO_BASE_URL", raising=False)
    shared = tmp_path / "shared-images"  # outside the recipe's folder: needs --allow-path
    shared.mkdir()
    for name in ("shoe.png", "bag.jpg"):
        (shared / name).write_bytes((FIXTURES / name).read_bytes())
    folder = tmp_path / "recipes"
    folder.mkdir()
    recipe = folder / "sale.yaml"
    text = MATRIX.replace("[shoe.png, bag.jpg]", "[../shared-images/shoe.png, ../shared-images/bag.jpg]")
    recipe.write_text(text.replace("[tiktok, reels, youtube]", "[tiktok]")
                      + "  - duration: 1s\n  - export: {}\n", encoding="utf-8")
    assert main(["run", str(recipe), "--preview"]) == 2  # outside the folder, and no --allow-path
    assert "outside the recipe's folder" in capsys.readouterr().err
    ids = ["sale-shoe-tiktok", "sale-bag-tiktok"]
    total = next(n for n in range(2, 10) if shard_of(ids[0], n) != shard_of(ids[1], n))
    shard = shard_of(ids[0], total)
    code = main(["run", str(recipe), "--preview", "--allow-path", str(shared), "--shard", f"{shard}/{total}"])
    out = capsys.readouterr().out
    assert code == 0
    # Only this shard's job ran: one clip, the other job's never made.
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.mp4")) == [f"{ids[0]}.mp4"]
    assert f"{ids[0]}.mp4" in out
