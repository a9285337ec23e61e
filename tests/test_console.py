"""What a run prints (pipelines/console.py): a start line, a line per step, and a last line a person can act on;
refusals name the table, series, period and value, and a bug keeps its traceback."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.resources import TalentgapSettings, duckdb_resource
from pipelines.console import run_console
from pipelines.definitions import all_assets, all_checks


def run_with_console(warehouse: Path, data_dir: Path, monkeypatch, capsys) -> tuple[bool, list[str]]:
    """A whole run through the job's console logger, as `dg launch --job materialize_everything` prints it."""
    for name, value in (("SOURCE", "files"), ("DATA_DIR", str(data_dir)), ("WAREHOUSE", str(warehouse))):
        monkeypatch.setenv(f"TALENTGAP_{name}", value)
    settings = TalentgapSettings(source="files", data_dir=str(data_dir), warehouse=str(warehouse))
    defs = dg.Definitions(
        assets=[*all_assets, *all_checks],
        resources={"settings": settings, "duckdb": duckdb_resource(str(warehouse), "files")},
        loggers={"console": run_console},
        executor=dg.in_process_executor,
    )
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        run_config={"loggers": {"console": {}}}, raise_on_error=False
    )
    return result.success, capsys.readouterr().out.splitlines()


def published_state(warehouse: Path) -> tuple[str, list[str], str]:
    """The latest release, the files of the exports and a hash of the analysts' copy."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        latest = conn.execute("select max(release_id) from publish.releases").fetchone()[0]
    exports = sorted(str(p.relative_to(warehouse.parent)) for p in (warehouse.parent / "exports").rglob("*"))
    copy = hashlib.sha256((warehouse.parent / "published" / "talentgap.duckdb").read_bytes()).hexdigest()
    return latest, exports, copy


def test_a_run_says_where_it_starts_what_each_step_did_and_how_it_ended(golden_copy, real_data, monkeypatch, capsys):
    success, lines = run_with_console(golden_copy, real_data, monkeypatch, capsys)
    assert success
    assert lines[0].startswith("talentgap: run ") and f"CBS exports in {real_data}" in lines[0]
    assert f"warehouse {golden_copy}" in lines[0] and "end year 2030" in lines[0]
    assert any("raw_tables: 18 of 18 tables read from files" in line for line in lines)
    assert re.fullmatch(r"talentgap: finished in \d+\.\d s: no new release: .*", lines[-1])
    assert not [line for line in lines if "Traceback" in line or "Stack Trace" in line or "DEBUG" in line]


@pytest.fixture
def future_quarter(real_data, tmp_path) -> tuple[Path, int]:
    """The real exports with a quarter of 2031 appended to 80472ned, and its line in the file."""
    folder = tmp_path / "data"
    shutil.copytree(real_data, folder)
    export = folder / "cbs_dertje" / "80472ned.csv"
    text = export.read_text(encoding="utf-8-sig")
    export.write_text(text + "99999;A-U Alle economische activiteiten;2031 1e kwartaal;99.0;150.0;140.0\n")
    return folder, len(text.splitlines()) + 1


def test_a_refused_run_ends_naming_table_series_period_and_value_and_loses_nothing(
    golden_copy, future_quarter, monkeypatch, capsys
):
    before = published_state(golden_copy)
    data_dir, line = future_quarter
    success, lines = run_with_console(golden_copy, data_dir, monkeypatch, capsys)
    assert not success
    refused = lines.index(next(x for x in lines if x.startswith("talentgap: refused after")))
    blocked = [x for x in lines[refused:] if x.startswith("  blocked by staging/observations no_future_periods")]
    assert len(blocked) == 1
    assert "80472ned | OpenstaandeVacatures_1 | A-U Alle economische activiteiten" in blocked[0]
    assert "period_label 2031 1e kwartaal" in blocked[0] and f"source_row {line}" in blocked[0]
    assert "persons 99000" in blocked[0]
    assert lines[-1].startswith("  checks report: ")
    assert not [x for x in lines if "Traceback" in x or "Stack Trace" in x]
    assert published_state(golden_copy) == before


def test_a_data_folder_that_is_not_there_is_one_line_without_a_traceback(golden_copy, tmp_path, monkeypatch, capsys):
    success, lines = run_with_console(golden_copy, tmp_path / "nowhere", monkeypatch, capsys)
    assert not success and len(lines) <= 4, lines
    assert lines[-1] == (
        f"  raw_tables refused: TALENTGAP_DATA_DIR {tmp_path / 'nowhere'} is not a folder; point it at the CBS "
        "exports (e.g. ../shared/data/real) or set TALENTGAP_SOURCE=demo for synthetic data"
    )


def test_a_bug_keeps_its_traceback(golden_copy, real_data, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("assets.raw.append_vintage", broken)
    success, lines = run_with_console(golden_copy, real_data, monkeypatch, capsys)
    assert not success
    failed = next(i for i, x in enumerate(lines) if "raw_tables failed (ZeroDivisionError): a bug" in x)
    assert any('File "' in x and "test_console.py" in x for x in lines[failed:])
