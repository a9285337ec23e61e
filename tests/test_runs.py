"""Runs that cannot corrupt a release: one writer at a time, crash-safe publication, killed runs that wedge nothing.

Each test attacks a warehouse that already has a release and asserts that the release, its exports and the analysts'
copy are intact afterwards and that the next run succeeds. The concurrent and killed runs are real command-line runs
(`dg launch --job materialize_everything`) in processes of their own, as a data engineer would start them.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.resources import TalentgapSettings
from release import publish as publication
from tests.conftest import run_pipeline
from warehouse.lock import lock_path
from warehouse.paths import WarehousePaths

ROOT = Path(__file__).resolve().parent.parent
NEW_END_YEAR = 2029


def run_again(warehouse: Path, data: Path):
    """The next run after an attack, with the inputs of the attacked run: it must publish."""
    settings = TalentgapSettings(source="files", data_dir=str(data), warehouse=str(warehouse), end_year=NEW_END_YEAR)
    return run_pipeline("files", warehouse, data, settings=settings)


def snapshot(warehouse: Path) -> tuple[str, list[str], str]:
    """What analysts can see: the copy's bytes, the export folders and the latest release in the warehouse."""
    copy = warehouse.parent / "published" / "talentgap.duckdb"
    exports = sorted(p.name for p in (warehouse.parent / "exports").iterdir())
    with duckdb.connect(str(copy), read_only=True) as conn:
        latest = conn.execute("select max(release_id) from publish.releases").fetchone()[0]
    return hashlib.sha256(copy.read_bytes()).hexdigest(), exports, latest


def leftovers(warehouse: Path) -> list[Path]:
    return [p for p in warehouse.parent.rglob("*") if p.name.endswith((".tmp", ".old"))]


@pytest.fixture
def released(golden_copy) -> Path:
    """A warehouse of its own with one good release (a copy of the golden warehouse)."""
    return golden_copy


def start_cli(warehouse: Path, data: Path, log: Path, source: str = "files") -> subprocess.Popen:
    """A command-line run with an end year other than the fixture's, so that it makes a new release (identical
    inputs and code make none)."""
    env = os.environ | {
        "TALENTGAP_END_YEAR": str(NEW_END_YEAR),
        "TALENTGAP_SOURCE": source,
        "TALENTGAP_DATA_DIR": str(data),
        "TALENTGAP_WAREHOUSE": str(warehouse),
        "DAGSTER_HOME": str(log.parent / "dagster_home"),
    }
    (log.parent / "dagster_home").mkdir(exist_ok=True)
    # an instance of the test's own, logging to the console as the project's dagster.yaml does
    (log.parent / "dagster_home" / "dagster.yaml").write_text(
        "python_logs:\n  python_log_level: INFO\ntelemetry:\n  enabled: false\n"
    )
    command = [str(Path(sys.executable).parent / "dg"), "launch", "--job", "materialize_everything"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait_for(log: Path, text: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        assert process.poll() is None, f"the run ended before {text!r}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {text!r} within {seconds} s"
        time.sleep(0.2)


@pytest.mark.slow
def test_two_runs_at_once_one_is_refused_by_name_and_the_other_publishes(released, real_data, tmp_path):
    before = snapshot(released)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_cli(released, real_data, first_log)
    holder = lock_path(released)
    while not (holder.exists() and holder.read_text().strip()):  # the first run holds the warehouse
        assert first.poll() is None, first_log.read_text()[-3000:]
        time.sleep(0.2)
    second = start_cli(released, real_data, second_log)
    assert second.wait(timeout=300) != 0
    assert first.wait(timeout=600) == 0, first_log.read_text()[-3000:]
    told = first_log.read_text()
    assert "published (files, base year 2022)" in told and "workbook:" in told and "warnings that failed:" in told
    assert " DEBUG " not in told  # Dagster's DEBUG events stay in the run history, off the console
    refusal = second_log.read_text()
    assert "WarehouseBusy" in refusal and "is being written by" in refusal and "this run was refused" in refusal
    after = snapshot(released)
    assert after[2] > before[2] and len(after[1]) == len(before[1]) + 1  # exactly one new release, complete
    assert not leftovers(released)


@pytest.mark.slow
def test_a_run_killed_mid_forecast_wedges_nothing(released, real_data, tmp_path):
    before = snapshot(released)
    log = tmp_path / "killed.log"
    run = start_cli(released, real_data, log)
    wait_for(log, "series_forecasts: forecasting", run)  # the forecast step is under way
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=60)
    assert snapshot(released) == before
    started = time.monotonic()
    assert run_again(released, real_data).success
    assert time.monotonic() - started < 300  # no slot left claimed by the dead run: the next run just runs
    assert snapshot(released)[2] > before[2]


@pytest.mark.slow
def test_a_run_killed_mid_publish_leaves_a_whole_release_or_none(released, real_data, tmp_path):
    before = snapshot(released)
    log = tmp_path / "killed.log"
    run = start_cli(released, real_data, log)
    wait_for(log, "] publish: ", run)  # the publish step is under way
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=60)
    copy_hash, exports, latest = snapshot(released)
    # analysts see the old release or the new one whole: never a release without its exports
    assert latest in exports and (copy_hash == before[0] or latest > before[2])
    assert run_again(released, real_data).success
    copy_hash, exports, latest = snapshot(released)
    with duckdb.connect(str(released), read_only=True) as conn:
        committed = [r for (r,) in conn.execute("select release_id from publish.releases").fetchall()]
    assert latest == max(committed) and set(committed) <= set(exports)
    assert not leftovers(released)


@pytest.mark.slow
def test_a_full_disk_under_published_publishes_nothing_and_says_so(released, real_data, monkeypatch):
    before = snapshot(released)

    def disk_full(tables, path, withdrawn):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(publication, "_write_copy", disk_full)
    result = run_again(released, real_data)
    assert not result.success
    failure = " ".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)
    assert "was not published, and nothing of it is visible" in failure and "No space left on device" in failure
    assert "no transaction is active" not in failure
    assert snapshot(released) == before and not leftovers(released)
    monkeypatch.undo()
    assert run_again(released, real_data).success


def test_the_next_publication_repairs_one_killed_between_commit_and_rename(released):
    """The window a kill can hit after the commit: the warehouse is a release ahead of the exports and the copy."""
    with duckdb.connect(str(released)) as conn:
        tables = {
            n: conn.sql(
                f"select * from publish.{n} where release_id = (select max(release_id) from publish.releases)"
            ).pl()
            for n in publication.PUBLISHED_TABLES
        }
        later = pl.col("release_id").str.replace("^r2026", "r2027")  # a release id that sorts after every other
        ahead = {name: frame.with_columns(later) for name, frame in tables.items()}
        publication._commit(conn, ahead)
        (released.parent / "exports" / ".stray.tmp").mkdir()
        done = publication.recover(conn, WarehousePaths(released))
    new_id = ahead["releases"]["release_id"][0]
    assert any("exported release" in d for d in done) and any("brought" in d for d in done)
    _, exports, latest = snapshot(released)
    assert latest == new_id and new_id in exports and not leftovers(released)


def test_a_demo_run_never_writes_a_warehouse_of_real_data(released):
    before = snapshot(released)
    result = run_pipeline("demo", released)
    assert not result.success
    errors = [getattr(e.event_specific_data, "error", None) for e in result.all_events if e.is_failure]
    failure = " ".join(error.to_string() for error in errors if error is not None)
    assert "holds real data; a TALENTGAP_SOURCE=demo run may not write it" in failure
    assert snapshot(released) == before
    with duckdb.connect(str(released), read_only=True) as conn:
        assert conn.execute("select distinct data_source from raw.vintages").fetchall() == [("files",)]


@pytest.mark.slow
def test_a_roll_back_withdraws_later_releases_and_keeps_them(released, real_data):
    (first,) = (r for r in snapshot(released)[1])
    assert run_again(released, real_data).success  # a second release, end year 2029
    second = snapshot(released)[2]
    copy = released.parent / "published" / "talentgap.duckdb"
    command = [sys.executable, "-m", "release.rollback", first, "--warehouse", str(released)]
    refused = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0 and "--reason" in refused.stderr

    done = subprocess.run([*command, "--reason", "wrong end year"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"release {first} is the current release again; withdrawn: {second}" in done.stdout
    for path in (released, copy):
        with duckdb.connect(str(path), read_only=True) as conn:
            assert conn.execute("select distinct release_id from publish.latest_skill_gaps").fetchall() == [(first,)]
            assert conn.execute("select count(distinct release_id) from publish.skill_gaps").fetchone()[0] == 2
            withdrawn = conn.execute("select release_id, reason, rolled_back_to from publish.withdrawn_releases")
            assert withdrawn.fetchall() == [(second, "wrong end year", first)]
    assert "must not be used" in (released.parent / "exports" / second / "WITHDRAWN.txt").read_text()

    assert run_again(released, real_data).success  # the withdrawn release's inputs again: nothing is published
    with duckdb.connect(str(released), read_only=True) as conn:
        assert conn.execute("select count(*) from publish.releases").fetchone()[0] == 2
        assert conn.execute("select distinct release_id from publish.latest_skill_gaps").fetchall() == [(first,)]
    again = subprocess.run([*command, "--reason", "again"], cwd=ROOT, capture_output=True, text=True)
    assert again.returncode != 0 and "already the current release" in again.stderr
