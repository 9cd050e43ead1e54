"""A marketer's campaign matrix (issue 18): every enumerated value checked where it is written, and job ids
made from the matrix's axes that any shell, glob or CI system can type."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys

import pytest

from motionctl.runner.errors import RecipeValidationError
from motionctl.runner.recipe import load_plan
from motionctl.runner.recipe.templates import slug
from tests.runner.recipe.recipes import WriteRecipe

ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def problems(write_recipe: WriteRecipe, text: str) -> list[str]:
    with pytest.raises(RecipeValidationError) as caught:
        load_plan(write_recipe(text))
    return [f"{p.line}:{p.column}: " + str(p).split(": ", 1)[1] for p in caught.value.problems]


def test_an_unknown_matrix_platform_is_a_problem_with_a_did_you_mean(write_recipe: WriteRecipe) -> None:
    found = problems(write_recipe, """
        version: 1
        name: launch
        matrix:
          platform: [tiktok, instagram, youtube-shorts, tiktk]
        steps:
          - upload: shoe.png
          - export: "{{ job }}.mp4"
    """)
    assert found == [
        "4:22: field 'matrix.platform[1]': unknown platform 'instagram', did you mean "
        "'instagram-feed'? (a matrix platform sets its jobs' aspect ratio and safe zone)",
        "4:33: field 'matrix.platform[2]': unknown platform 'youtube-shorts', did you mean "
        "'shorts'? (a matrix platform sets its jobs' aspect ratio and safe zone)",
        "4:49: field 'matrix.platform[3]': unknown platform 'tiktk', did you mean 'tiktok'? "
        "(a matrix platform sets its jobs' aspect ratio and safe zone)",
    ]


def test_a_platform_written_in_include_is_checked_too(write_recipe: WriteRecipe) -> None:
    found = problems(write_recipe, """
        version: 1
        name: launch
        matrix:
          image: [shoe.png]
          include:
            - {image: bag.jpg, platform: facebook}
        steps:
          - upload: "{{ image }}"
          - export: "{{ job }}.mp4"
    """)
    assert len(found) == 1
    assert found[0].startswith("6:34: field 'matrix.include[0].platform': unknown platform "
                               "'facebook'; expected one of: tiktok, reels, shorts, instagram-feed")


def test_enumerated_values_from_templates_are_checked_once(write_recipe: WriteRecipe) -> None:
    # The platform typo is reported where it is written, not again at every step that uses it; a mood
    # from include and a speed from vars reach their fields through templates.
    found = problems(write_recipe, """
        version: 1
        name: launch
        vars: {pace: slwo}
        matrix:
          platform: [tiktok, reel]
          include:
            - {platform: tiktok, mood: lofi}
        steps:
          - upload: shoe.png
          - aspect: "{{ platform }}"
          - motion: {zoom: in, speed: "{{ pace }}"}
          - music: {mood: "{{ mood | default('calm') }}"}
          - export: "{{ job }}.mp4"
    """)
    assert [p.split(": ", 1)[1] for p in found] == [
        "field 'matrix.platform[1]': unknown platform 'reel', did you mean 'reels'? (a matrix platform "
        "sets its jobs' aspect ratio and safe zone)",
        "step 3 (motion), field 'speed': unknown value 'slwo', did you mean 'slow'?",
        "step 4 (music), field 'mood': unknown value 'lofi', did you mean 'lo-fi'?",
    ]


CAMPAIGN = """
    version: 1
    name: Spring Launch
    defaults: {duration: 5s}
    matrix:
      product: [shoe, 春季新品, Café Crème, 秋季新品]
      platform: [tiktok, instagram-feed, youtube]
      include:
        - {product: shoe, title: "Reach for the stars"}
        - {product: 春季新品, title: "春季新品上市"}
    steps:
      - upload: shoe.png
      - text: {content: "{{ title | default(product) }}", for: 2s}
      - export: "{{ job }}.mp4"
"""


def test_job_ids_come_from_the_axes_and_are_plain_ascii(write_recipe: WriteRecipe) -> None:
    plan = load_plan(write_recipe(CAMPAIGN))
    ids = [job.id for job in plan.jobs]
    assert len(ids) == len(set(ids)) == 12
    assert all(ID.match(i) for i in ids), ids
    assert ids[:3] == ["spring-launch-shoe-tiktok", "spring-launch-shoe-instagram-feed",
                       "spring-launch-shoe-youtube"]  # the include's title is no part of them
    assert ids[6:9] == ["spring-launch-cafe-creme-tiktok", "spring-launch-cafe-creme-instagram-feed",
                        "spring-launch-cafe-creme-youtube"]
    # Chinese values keep a hash of themselves: two different ones never collapse into one id.
    chinese = [i for i in ids if i.endswith("-tiktok") and "shoe" not in i and "cafe" not in i]
    assert len(chinese) == 2 and chinese[0] != chinese[1]
    assert chinese[0] == f"spring-launch-{slug('春季新品')}-tiktok"
    # README's example pattern picks exactly the tiktok jobs.
    assert fnmatch.filter(ids, "*-tiktok") == [i for i in ids if i.endswith("tiktok")] and \
        len(fnmatch.filter(ids, "*-tiktok")) == 4
    # Short enough for the live display's name column (28) and for file names.
    assert max(len(i) for i in ids) <= 40


def test_a_long_value_is_cut_at_a_word_and_keeps_a_hash(write_recipe: WriteRecipe) -> None:
    plan = load_plan(write_recipe("""
        version: 1
        name: ad
        matrix:
          headline: ["The quick brown fox jumps over the lazy dog", "The quick brown fox jumps over a cat"]
        steps:
          - upload: shoe.png
          - export: "{{ job }}.mp4"
    """))
    first, second = (job.id for job in plan.jobs)
    assert first != second
    assert first.startswith("ad-the-quick-brown-") and len(first) <= len("ad-") + 24


def test_a_recipe_names_its_jobs_with_a_job_id_template(write_recipe: WriteRecipe) -> None:
    plan = load_plan(write_recipe("""
        version: 1
        name: spring
        job_id: "{{ platform }}_{{ image | stem }}"
        matrix:
          image: [shoe.png, bag.jpg]
          platform: [tiktok, youtube]
        steps:
          - upload: "{{ image }}"
          - export: "{{ job }}.mp4"
    """))
    assert [job.id for job in plan.jobs] == ["tiktok-shoe", "youtube-shoe", "tiktok-bag", "youtube-bag"]
    assert plan.jobs[0].actions[-1].dest.name == "tiktok-shoe.mp4"  # type: ignore[union-attr]


def test_a_job_id_template_that_names_two_jobs_alike_is_a_problem(write_recipe: WriteRecipe) -> None:
    found = problems(write_recipe, """
        version: 1
        name: spring
        job_id: "{{ platform }}"
        matrix:
          image: [shoe.png, bag.jpg]
          platform: [tiktok]
        steps:
          - upload: "{{ image }}"
    """)
    assert found == ["3:9: field 'job_id': gives two jobs the id 'tiktok' (image=shoe.png, "
                     "platform=tiktok; image=bag.jpg, platform=tiktok); add the matrix value that tells "
                     "them apart"]


def test_readme_job_pattern_picks_the_campaign_s_tiktok_jobs() -> None:
    out = subprocess.run([sys.executable, "-m", "motionctl", "plan", "workflows/campaign.yaml", "--job",
                          "*-tiktok", "--json"], capture_output=True, text=True, check=True).stdout
    assert '"id": "campaign-sneaker-tiktok"' in out and "youtube" not in out.split('"jobs"')[1]
