"""The commands around a release (re-export, roll-back, restore, recover) under bad arguments, collisions and kills,
and a publication whose analysts' copy cannot be replaced: issue 23's faults 1, 2, 4, 5, 6 and 7, each on a copy of
the golden warehouse with a second, later release published the way a run publishes one."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from release import publish as publication
from release.identity import source_hash
from release.publish import CopyNotUpdated, publish_release, recover
from release.recover import main as recover_command
from release.reexport import main as reexport
from release.restore import main as restore
from release.rollback import main as roll_back
from rendering.exports import write_spreadsheet_csv
from tests.conftest import run_pipeline
from warehouse import lock
from warehouse.paths import WarehousePaths

ROOT = Path(__file__).resolve().parent.parent


def current(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select distinct release_id from publish.latest_skill_gaps").fetchone()[0]


def tree(folder: Path) -> dict[str, int]:
    """Every file under `folder` with its size: what a command must not have touched."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_releases_once(golden, tmp_path_factory) -> tuple[Path, str, str]:
    """The golden release and a later one (its rows under an id that sorts after it), published as a run does:
    made once, copied for each test."""
    folder = tmp_path_factory.mktemp("two_releases") / "warehouse"
    shutil.copytree(golden.warehouse.parent, folder, copy_function=shutil.copyfile)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    warehouse = folder / golden.warehouse.name
    with duckdb.connect(str(warehouse)) as conn:
        first = conn.execute("select max(release_id) from publish.releases").fetchone()[0]
        published = publish_release(
            conn, renamed(conn, first, first.replace("r2026", "r2027")), WarehousePaths(warehouse)
        )
    assert published.copy_problem is None
    return warehouse, first, published.folder.name


@pytest.fixture
def two_releases(two_releases_once, tmp_path) -> tuple[Path, str, str]:
    warehouse, first, second = two_releases_once
    shutil.copytree(warehouse.parent, tmp_path / "warehouse", copy_function=shutil.copyfile)
    return tmp_path / "warehouse" / warehouse.name, first, second


def renamed(conn: duckdb.DuckDBPyConnection, release_id: str, new_id: str) -> dict[str, pl.DataFrame]:
    """A committed release's tables under another id: a release to publish without running the pipeline."""
    return {
        name: conn.sql(f"select * from publish.{name} where release_id = ?", params=[release_id])
        .pl()
        .with_columns(pl.lit(new_id).alias("release_id"))
        for name in publication.PUBLISHED_TABLES
    }


def light_files(tables: dict[str, pl.DataFrame], folder: Path, previous_gaps) -> None:
    """The exports without the report, charts and workbook, where a test is about something else."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    write_spreadsheet_csv(tables["skill_gaps"], folder / "skill_gaps.csv")


def test_a_release_id_that_is_not_one_is_refused_before_anything_is_touched(two_releases, capsys):
    """`reexport ""` (an unset shell variable) once matched every release and removed exports/ itself."""
    warehouse, first, _ = two_releases
    exports = warehouse.parent / "exports"
    before = tree(exports)
    for bad in ("", "..", "exports", f"{first}/..", "r2026*"):
        with pytest.raises(SystemExit) as refused:
            reexport([bad, "--warehouse", str(warehouse)])
        assert refused.value.code == 2
        with pytest.raises(SystemExit):
            roll_back([bad, "--reason", "test", "--warehouse", str(warehouse)])
    assert "is not a release id: one looks like r20261203T140619251487Z" in capsys.readouterr().err
    with (  # the library refuses an empty id too
        duckdb.connect(str(warehouse), read_only=True) as conn,
        pytest.raises(publication.PublicationError, match="no release ''"),
    ):
        publication.reexport(conn, "", WarehousePaths(warehouse))
    assert tree(exports) == before and current(warehouse) > first


def test_a_withdrawn_release_exported_again_stays_marked_as_withdrawn(two_releases):
    warehouse, first, second = two_releases
    assert roll_back([first, "--reason", "wrong end year", "--warehouse", str(warehouse)]) == 0
    shutil.rmtree(warehouse.parent / "exports" / second)
    assert reexport([second, "--warehouse", str(warehouse)]) == 0
    folder = warehouse.parent / "exports" / second
    assert "Reason: wrong end year" in (folder / "WITHDRAWN.txt").read_text()
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert report.count("INGETROKKEN") == 2 and f"Geldig is publicatie {first}" in report
    cover = openpyxl.load_workbook(folder / f"talentgap_{second}.xlsx")["Over deze publicatie"]
    assert cover["A1"].value == "Ingetrokken" and "wrong end year" in cover["B1"].value
    assert current(warehouse) == first  # and the current release is untouched
    assert not (warehouse.parent / "exports" / first / "WITHDRAWN.txt").exists()


def test_operations_take_the_warehouse_lock_as_a_run_does(two_releases, capsys, monkeypatch):
    warehouse, first, second = two_releases
    held = lock.acquire(warehouse, "run 1234")
    try:
        assert reexport([first, "--warehouse", str(warehouse)]) == 1
        assert roll_back([first, "--reason", "x", "--warehouse", str(warehouse)]) == 1
    finally:
        lock.release(held)
    assert capsys.readouterr().err.count("is being written by") == 2 and current(warehouse) == second
    # while a re-export writes, a run that starts is refused by name
    seen = []

    def write_and_try_a_run(*args, **kwargs):
        with pytest.raises(lock.WarehouseBusy, match="a re-export"):
            lock.acquire(warehouse, "a run")
        seen.append(True)
        return light_files(*args, **kwargs)

    monkeypatch.setattr(publication, "write_release_files", write_and_try_a_run)
    assert reexport([first, "--warehouse", str(warehouse)]) == 0 and seen


def test_a_copy_that_cannot_be_replaced_after_the_commit_is_reported_beside_the_published_release(
    two_releases, monkeypatch
):
    """The analysts' copy made immutable: the release is published (warehouse and exports), the problem is said in
    words with what to do, and the copy is repaired as soon as it can be replaced."""
    warehouse, first, second = two_releases
    paths = WarehousePaths(warehouse)
    replace = publication.os.replace

    def refuse_the_copy(source, target):
        if Path(target) == paths.published_copy:
            raise PermissionError(1, "Operation not permitted", str(target))
        return replace(source, target)

    monkeypatch.setattr(publication.os, "replace", refuse_the_copy)
    monkeypatch.setattr(publication, "write_release_files", light_files)
    third = second.replace("r2027", "r2028")
    with duckdb.connect(str(warehouse)) as conn:
        published = publish_release(conn, renamed(conn, second, third), paths)
        assert published.folder == paths.release_folder(third) and published.folder.is_dir()
        assert f"release {third} is published" in published.copy_problem
        assert (
            f"the copy shows release {second}" in published.copy_problem and "release.recover" in published.copy_problem
        )
        assert conn.execute("select max(release_id) from publish.releases").fetchone()[0] == third
        with pytest.raises(CopyNotUpdated, match=f"release {third} is published"):
            recover(conn, paths)  # every later attempt says the same, in words
    assert current(paths.published_copy) == second and not list(paths.published_copy.parent.glob("*.tmp*"))
    monkeypatch.setattr(publication.os, "replace", replace)
    assert recover_command(["--warehouse", str(warehouse)]) == 0
    assert current(paths.published_copy) == third


def test_a_run_whose_copy_cannot_be_replaced_fails_saying_the_release_is_published(golden_copy, real_data, monkeypatch):
    """The run, not only the library: it records the release as published and fails with the sentence, never a
    bare PermissionError, and the next run says the same until the copy can be replaced."""
    paths = WarehousePaths(golden_copy)
    replace = publication.os.replace
    (paths.published_copy).unlink()  # the copy lost: the next run rebuilds it, or says why it cannot

    def refuse_the_copy(source, target):
        if Path(target) == paths.published_copy:
            raise PermissionError(1, "Operation not permitted", str(target))
        return replace(source, target)

    monkeypatch.setattr(publication.os, "replace", refuse_the_copy)
    result = run_pipeline("files", golden_copy, real_data)
    assert not result.success
    failures = [e.event_specific_data.error.to_string() for e in result.all_events if e.is_step_failure]
    assert any("is published (the warehouse holds it)" in f and "release.recover" in f for f in failures)
    assert not any(f.startswith("PermissionError") for f in failures)


def test_a_roll_back_killed_after_its_commit_is_finished_by_running_it_again(two_releases, monkeypatch):
    warehouse, first, second = two_releases
    paths = WarehousePaths(warehouse)

    def killed(*_):
        raise KeyboardInterrupt  # the process dies right after the commit

    monkeypatch.setattr(publication, "_finish_withdrawals", killed)
    with pytest.raises(KeyboardInterrupt):
        roll_back([first, "--reason", "wrong end year", "--warehouse", str(warehouse)])
    monkeypatch.undo()
    half = paths.published_copy.with_name("talentgap.duckdb.tmp")
    half.write_bytes(b"half written")
    half.with_name(half.name + ".wal").write_bytes(b"")
    assert current(warehouse) == first and current(paths.published_copy) == second  # analysts still see it
    assert roll_back([first, "--reason", "wrong end year", "--warehouse", str(warehouse)]) == 0
    assert current(paths.published_copy) == first and (paths.release_folder(second) / "WITHDRAWN.txt").exists()
    assert not list(paths.published_copy.parent.glob("*.tmp*"))
    assert roll_back([first, "--reason", "again", "--warehouse", str(warehouse)]) == 1  # now whole: nothing to do


def test_a_withdrawn_release_can_be_taken_back_with_a_reason(two_releases):
    warehouse, first, second = two_releases
    assert roll_back([first, "--reason", "looked wrong", "--warehouse", str(warehouse)]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert publication.withdrawn_fingerprints(conn)  # a run with its inputs would publish nothing
    assert restore([second, "--reason", "it was right", "--warehouse", str(warehouse)]) == 0
    assert current(warehouse) == second and current(WarehousePaths(warehouse).published_copy) == second
    assert not (WarehousePaths(warehouse).release_folder(second) / "WITHDRAWN.txt").exists()
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert publication.withdrawn_fingerprints(conn) == {}
        kept = conn.execute("select release_id, withdrawn_reason, reason from publish.restored_releases").fetchall()
    assert kept == [(second, "looked wrong", "it was right")]
    assert restore([second, "--reason", "twice", "--warehouse", str(warehouse)]) == 1  # not withdrawn any more


def test_the_code_fingerprint_sees_a_change_without_git(tmp_path):
    """A container image has no .git: the fingerprint is over the source files, so a changed model is new code."""
    for package in ("assets", "models", "pipelines", "quality", "release", "rendering", "sources", "warehouse"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "uv.lock", tmp_path / "uv.lock")
    before = source_hash(tmp_path)
    assert before == source_hash(ROOT) and not (tmp_path / ".git").exists()
    model = tmp_path / "models" / "gap" / "model.py"
    model.write_text(model.read_text().replace("DRAWS = 4000", "DRAWS = 4001"))
    source_hash.cache_clear()
    assert source_hash(tmp_path) != before
