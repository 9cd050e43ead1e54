"""Files a run writes land inside their folder, links resolved, and never through a link (issue 19.1).

A recipe repository can ship links: ``out/sub`` pointing at the user's videos, ``report/index.html`` at a file
they care about. Each test plants one and checks the file it points to is untouched.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest

from motionctl.runner import confined
from motionctl.runner.actions import Export, Job, Plan, Upload, Where
from motionctl.runner.cli import main
from motionctl.runner.confined import OutsideFolder, replacing
from motionctl.runner.engine import Engine, EngineOptions
from motionctl.runner.golden import write as write_golden
from motionctl.runner.journal import Journal
from tests.runner.engine.fake_api import FakeApi

IMAGE = Path(__file__).parents[2] / "workflows" / "images" / "sneaker.jpg"
PRECIOUS = b"the user's own file\n"


@pytest.fixture
def precious(tmp_path: Path) -> Path:
    """A file outside every folder the run writes, which a link will point at."""
    path = tmp_path / "elsewhere" / "precious.mp4"
    path.parent.mkdir()
    path.write_bytes(PRECIOUS)
    return path


def recipe(folder: Path, to: str) -> Path:
    shutil.copy(IMAGE, folder / "sneaker.jpg")
    path = folder / "r.yaml"
    path.write_text(f"version: 1\nname: demo\nsteps:\n  - upload: sneaker.jpg\n  - motion: {{zoom: in}}\n"
                    f"  - export: {{to: \"{to}\"}}\n", encoding="utf-8")
    return path


def test_validate_and_run_refuse_an_export_through_a_folder_link_out_of_out(
        tmp_path: Path, precious: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "sub").symlink_to(precious.parent)
    path = recipe(tmp_path, "sub/precious.mp4")
    for command in (["validate", str(path)], ["run", str(path), "--preview", "-q"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert (f"r.yaml:6:18: step 3 (export), field 'to': export 'sub/precious.mp4' would leave the output "
                f"folder: out/sub is a link to {precious.parent}, outside out") in err
    assert precious.read_bytes() == PRECIOUS


class _Quiet:
    def handle(self, event: object) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_run_writes_no_clip_through_a_link_made_after_planning(tmp_path: Path, precious: Path) -> None:
    # The check at the download, not only at validate: the link appears once the plan is made.
    out = tmp_path / "out"
    where = Where("r.yaml", 4, 5, 1, "upload")
    export = Export(out / "sub" / "precious.mp4", Where("r.yaml", 5, 5, 2, "export"), out_dir=out)
    job = Job(id="j", actions=(Upload((IMAGE,), where), export))
    out.mkdir()
    (out / "sub").symlink_to(precious.parent)
    journal = Journal.create(tmp_path / "runs", "t")
    outcomes = anyio.run(Engine(FakeApi(), journal, _Quiet(), EngineOptions()).run,
                         Plan(name="t", recipe_path=Path("r.yaml"), recipe_hash="h", jobs=(job,)))
    journal.close()
    assert not outcomes[0].ok
    assert outcomes[0].error is not None and "out/sub is a link to" in outcomes[0].error
    assert precious.read_bytes() == PRECIOUS


def test_a_link_in_the_destinations_place_is_replaced_not_written_through(tmp_path: Path,
                                                                          precious: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "clip.mp4").symlink_to(precious)
    with replacing(out, out / "clip.mp4") as handle:
        handle.write(b"clip")
    assert not (out / "clip.mp4").is_symlink() and (out / "clip.mp4").read_bytes() == b"clip"
    assert precious.read_bytes() == PRECIOUS


def _planted_at_the_temporary_name(folder: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A link where runner/confined.py will open its next temporary file: its name made known in advance."""
    fixed = uuid.UUID(int=0x1234)
    monkeypatch.setattr(confined, "uuid", SimpleNamespace(uuid4=lambda: fixed))
    (folder / f".{fixed.hex[:16]}.part").symlink_to(target)


def test_a_link_planted_at_the_temporary_name_of_a_golden_is_not_followed(
        tmp_path: Path, precious: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # O_CREAT | O_EXCL | O_NOFOLLOW: the temporary file is a new file, never one through a link.
    golden = tmp_path / "r.golden.yaml"
    _planted_at_the_temporary_name(tmp_path, precious, monkeypatch)
    with pytest.raises(OSError):  # EEXIST or ELOOP, as the platform checks
        write_golden(golden, "version: 1\n")
    assert not golden.exists()
    assert precious.read_bytes() == PRECIOUS


def test_a_state_file_never_leaves_the_run_directory(tmp_path: Path, precious: Path) -> None:
    journal = Journal.create(tmp_path / "runs", "t")
    (journal.run_dir / "states").mkdir()
    (journal.run_dir / "states" / "j").symlink_to(precious.parent)
    with pytest.raises(OutsideFolder, match="states/j is a link to"):
        journal.write_state("j", 1, {"draft": {}})
    journal.close()
    assert sorted(p.name for p in precious.parent.iterdir()) == ["precious.mp4"]


def test_the_html_report_writes_neither_through_its_page_nor_out_of_its_folder(
        tmp_path: Path, precious: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = recipe(tmp_path, "clip.mp4")
    assert main(["run", str(path), "--preview", "-q"]) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    report = tmp_path / "report"
    report.mkdir()
    (report / "index.html").symlink_to(precious)
    assert main(["report", str(run_dir), "--html", str(report)]) == 0
    assert precious.read_bytes() == PRECIOUS
    assert "<html" in (report / "index.html").read_text(encoding="utf-8")

    shutil.rmtree(report)
    report.mkdir()
    (report / "clips").symlink_to(precious.parent)
    assert main(["report", str(run_dir), "--html", str(report)]) == 2
    assert "report/clips is a link to" in capsys.readouterr().err
    assert sorted(p.name for p in precious.parent.iterdir()) == ["precious.mp4"]


def test_a_cassette_is_not_written_through_a_link_where_its_temporary_file_went(
        tmp_path: Path, precious: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from motionctl.runner.cassette.har import Cassette, CassetteInfo, save

    path = tmp_path / "c.har"
    _planted_at_the_temporary_name(tmp_path, precious, monkeypatch)
    info = CassetteInfo(datetime.now(UTC), "http://127.0.0.1:1", "embedded mock", "0")
    with pytest.raises(OSError):  # EEXIST or ELOOP, as the platform checks
        save(Cassette(path, info, []), "0")
    assert not path.exists()
    assert precious.read_bytes() == PRECIOUS


def test_a_cassette_bodies_folder_that_is_a_link_is_refused_and_its_target_untouched(
        tmp_path: Path, precious: Path) -> None:
    # Saving a recording deletes the sidecars it no longer uses: through a link, those were the user's files.
    from motionctl.runner.cassette.har import CassetteInfo
    from motionctl.runner.cassette.record import Recorder

    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    (cassettes / "x.bodies").symlink_to(precious.parent)
    recorder = Recorder(cassettes / "x.har")
    with pytest.raises(OutsideFolder, match=r"cassettes/x\.bodies is a link to"):
        recorder.save(CassetteInfo(datetime.now(UTC), "http://127.0.0.1:1", "embedded mock", "0"))
    assert sorted(p.name for p in precious.parent.iterdir()) == ["precious.mp4"]
    assert precious.read_bytes() == PRECIOUS


def test_saving_a_cassette_deletes_only_stale_sidecars_not_other_files_in_its_bodies_folder(
        tmp_path: Path) -> None:
    from motionctl.runner.cassette.har import CassetteInfo
    from motionctl.runner.cassette.record import Recorder

    bodies = tmp_path / "x.bodies"
    bodies.mkdir()
    stale = f"{'ab' * 32}.png"
    (bodies / stale).write_bytes(b"an earlier recording's body")
    (bodies / "README.md").write_text("someone's notes\n", encoding="utf-8")
    Recorder(tmp_path / "x.har").save(CassetteInfo(datetime.now(UTC), "http://127.0.0.1:1", "mock", "0"))
    assert sorted(p.name for p in bodies.iterdir()) == ["README.md"]
