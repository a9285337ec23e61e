"""True sources: CBS's modification date only where CBS states it for the loaded data, the periods each table covers,
and no path of the machine that ran a release in anything it publishes."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.publish import VINTAGES_SQL
from release.identity import release_inputs
from release.tables import release_row
from rendering import provenance
from rendering.letter import footnotes
from rendering.report import _sources
from sources.files import FilesSource
from sources.registry import get_table
from warehouse.db import append_vintage, connect, newest_vintages

SPEC = get_table("80472ned")
METADATA = "cbs_biancab97/80472ned/vacatures_metadata.csv"
# the copy of 80472ned that the metadata file describes: the export it came with, in key form
DESCRIBED = replace(
    SPEC,
    export_file="cbs_biancab97/80472ned/vacatures.csv",
    key_labels_file="cbs_biancab97/80472ned/sectoren_metadata.csv",
)


@pytest.fixture
def data(real_data, tmp_path) -> Path:
    """A writable copy of the exports 80472ned and 80567ned need."""
    folder = tmp_path / "data"
    shutil.copytree(real_data / "cbs_biancab97" / "80472ned", folder / "cbs_biancab97" / "80472ned")
    (folder / "cbs_dertje").mkdir()
    for name in ("80472ned.csv", "80567ned.csv"):
        shutil.copy(real_data / "cbs_dertje" / name, folder / "cbs_dertje" / name)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def test_the_metadata_that_comes_with_an_export_dates_it(data):
    raw = FilesSource(data).fetch(DESCRIBED)
    assert raw.table_modified == datetime(2023, 8, 16, 2, tzinfo=UTC)
    assert json.loads(raw.table_infos) == {"source": METADATA, "modified": "2023-08-16T02:00:00", "used": True}
    assert raw.periods == ("1997 1e kwartaal", "2022 4e kwartaal")
    assert raw.location == "cbs_biancab97/80472ned/vacatures.csv"


def test_metadata_of_another_version_does_not_date_the_export(data):
    """The registered 80472ned export is a later CBS version than the metadata describes: CBS has since published new
    and filled vacancies with a decimal, where the metadata's DataProperties give none. Its date stays unknown."""
    raw = FilesSource(data).fetch(SPEC)
    infos = json.loads(raw.table_infos)
    assert raw.table_modified is None and not infos["used"] and infos["modified"] == "2023-08-16T02:00:00"
    assert infos["why_not"] == "OntstaneVacatures_2 has 1 decimal(s) in the export, 0 in its DataProperties"
    # nor the file's time: when talentgap read it is recorded as such, never as CBS's date
    assert datetime.now(UTC) - raw.retrieved_at < timedelta(minutes=5)


def test_an_export_with_periods_the_metadata_does_not_list_is_not_dated_by_it(data):
    path = data / DESCRIBED.export_file
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace('"2022KW04"', '"2023KW03"'), encoding="utf-8")
    infos = json.loads(FilesSource(data).fetch(DESCRIBED).table_infos)
    assert not infos["used"] and "not in its Perioden, such as '2023KW03'" in infos["why_not"]


def test_a_missing_metadata_file_leaves_the_date_unknown_without_a_local_path(data):
    (data / METADATA).unlink()
    raw = FilesSource(data).fetch(DESCRIBED)
    assert raw.table_modified is None
    assert (
        json.loads(raw.table_infos)["why_not"] == f"table 80472ned: metadata file {Path(METADATA).name} does not exist"
    )
    assert str(data) not in raw.table_infos


def test_a_modified_date_that_is_no_date_leaves_it_unknown(data):
    path = data / METADATA
    path.write_text(path.read_text(encoding="utf-8-sig").replace('"2023-08-16T02:00:00"', '"gisteren"', 1))
    raw = FilesSource(data).fetch(DESCRIBED)
    assert raw.table_modified is None
    assert json.loads(raw.table_infos)["why_not"] == "its TableInfos give no Modified date (found 'gisteren')"


def test_a_new_date_for_the_same_figures_is_recorded_without_a_new_vintage_or_release(data, tmp_path):
    """A vintage is its content: a metadata file that appears (or a date that moves) is recorded on the vintage, and
    the release's fingerprint, made of content hashes, does not move: no "new data" release for a date alone."""
    conn = connect(tmp_path / "w.duckdb")
    metadata = (data / METADATA).read_bytes()
    (data / METADATA).unlink()
    first, added = append_vintage(conn, FilesSource(data).fetch(DESCRIBED))
    before = release_inputs(conn.sql(VINTAGES_SQL.replace("staging.observations", "raw.vintages")).pl(), {}, 2030)
    (data / METADATA).write_bytes(metadata)
    again, added_again = append_vintage(conn, FilesSource(data).fetch(DESCRIBED))
    vintages = conn.sql(VINTAGES_SQL.replace("staging.observations", "raw.vintages")).pl()
    assert (again, added, added_again) == (first, True, False)
    assert vintages["table_modified"].to_list() == [datetime(2023, 8, 16, 2, tzinfo=UTC)]
    assert release_inputs(vintages, {}, 2030) == before


def test_the_content_sent_last_is_staged_whether_or_not_a_date_comes_with_it(data, tmp_path):
    """An older export dated by its metadata never wins over a newer one that has no date."""
    conn = connect(tmp_path / "w.duckdb")
    dated, _ = append_vintage(conn, FilesSource(data).fetch(DESCRIBED))
    path = data / DESCRIBED.export_file
    path.write_text(path.read_text(encoding="utf-8-sig").replace('"2022KW04"', '"2023KW03"'), encoding="utf-8")
    newer, _ = append_vintage(conn, FilesSource(data).fetch(DESCRIBED))
    assert newest_vintages(conn, "files")["vintage_id"].to_list() == [newer] != [dated]


def release_of(data: Path, tmp_path: Path, *specs) -> dict:
    """The release row a run would write for these tables: loaded, recorded and read back as the publish step does."""
    conn = connect(tmp_path / "w.duckdb")
    for spec in specs:
        append_vintage(conn, FilesSource(data).fetch(spec))
    vintages = conn.sql(VINTAGES_SQL.replace("staging.observations", "raw.vintages")).pl()
    gaps = pl.DataFrame({"data_source": ["files"], "base_year": [2022], "year": [2030]})
    return release_row("r1", gaps, vintages, release_inputs(vintages, {}, 2030), None).row(0, named=True)


def test_the_report_gives_the_metadata_date_and_onbekend_where_there_is_none(data, tmp_path):
    release = release_of(data, tmp_path, DESCRIBED, get_table("80567ned"))
    rows = {r["table_id"]: r for r in provenance.source_rows(release)}
    assert rows["80472ned"] | {"read": ""} == {
        "table_id": "80472ned",
        "periods": "1997 1e kwartaal t/m 2022 4e kwartaal",
        "modified": "16 augustus 2023",
        "basis": f"metadata {METADATA}",
        "read": "",
        "rows_received": 7540,
        "location": "cbs_biancab97/80472ned/vacatures.csv",
    }
    assert (rows["80567ned"]["modified"], rows["80567ned"]["basis"]) == ("onbekend", "niet vermeld bij de export")
    section = _sources(release)
    assert "16 augustus 2023" in section and "onbekend" in section and str(data) not in section
    note = provenance.footnote(release)
    assert "Door CBS gewijzigd: 80472ned op 16 augustus 2023." in note
    assert "Wanneer CBS de andere tabellen het laatst wijzigde, is onbekend" in note


def test_the_footnote_never_gives_a_time_of_ours_as_cbs_date(data, tmp_path):
    """Releases once wrote the export's file time (or the time it was read) where CBS's date belongs."""
    release = release_of(data, tmp_path, SPEC, get_table("80567ned"))
    read = provenance.dutch_date(json.loads(release["source_vintages"])[0]["retrieved_at"])
    gaps = pl.DataFrame(
        {"base_year": [2022], "sector_group": ["care"], "sector_group_nl": ["Zorg"], "sector_group_en": ["Care"]}
    ).with_columns(lineage=pl.lit(json.dumps({"composition": []})))
    note = next(n for n in footnotes(gaps, release) if n.startswith("Basisjaar"))
    assert "80472ned (t/m 2022 4e kwartaal)" in note and "Door CBS gewijzigd" not in note
    assert read not in note and str(datetime.now(UTC).year) not in note.replace("2022", "")
    rows = {r["table_id"]: r for r in provenance.source_rows(release)}
    assert rows["80472ned"]["modified"] == "onbekend"
    assert "beschrijft een andere versie dan de geladen export" in rows["80472ned"]["basis"]


def test_an_older_release_with_a_local_path_shows_it_relative_to_the_data_folder():
    vintage = {
        "table_id": "83599NED",
        "data_source": "files",
        "location": "/home/x/real/" + get_table("83599NED").export_file,
    }
    assert provenance.public_location(vintage) == "cbs_biancab97/83599ned/vacatures_regio.csv"
    assert provenance.public_location(vintage | {"location": "/home/x/elsewhere/file.csv"}) == "file.csv"
    # such a release recorded the file's time as when it was read, and no CBS date: neither is given as one
    old = vintage | {"retrieved_at": "2026-12-03 17:27:00", "table_modified": None, "rows_received": 1}
    [row] = provenance.source_rows({"source_vintages": json.dumps([old])})
    assert (row["modified"], row["read"], row["periods"]) == ("onbekend", "", "")
    assert "2026" not in provenance.footnote({"source_vintages": json.dumps([old])})


def _texts(path: Path) -> list[str]:
    """Every text a published file holds: the cells of a Parquet file, the XML inside a workbook, else its text."""
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        return [str(v) for c, t in frame.schema.items() if t == pl.String for v in frame[c].drop_nulls().unique()]
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return [book.read(name).decode("utf-8") for name in book.namelist()]
    return [path.read_bytes().decode("utf-8", errors="replace")]


def test_nothing_published_holds_the_path_of_the_data_folder(golden, real_data):
    exports = golden.warehouse.parent / "exports"
    local = {str(real_data), str(real_data.resolve()), str(golden.warehouse.parent)}
    files = [p for p in exports.rglob("*") if p.is_file()]
    assert any(p.suffix == ".xlsx" for p in files) and any(p.suffix == ".parquet" for p in files)
    found = [(p.name, path) for p in files for text in _texts(p) for path in local if path in text]
    assert not found, found
    with duckdb.connect(str(golden.warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        vintages = json.loads(conn.execute("select source_vintages from publish.releases").fetchone()[0])
    assert {v["location"] for v in vintages} >= {
        "cbs_dertje/80472ned.csv",
        "cbs_biancab97/83599ned/vacatures_regio.csv",
    }
    assert all(v["first_period"] and v["last_period"] for v in vintages)
