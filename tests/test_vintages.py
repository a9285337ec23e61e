"""Raw vintages: append-only, deduplicated by content, newest complete one staged, schema drift refused."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from sources.base import SourceError
from sources.cbs import CbsSource
from sources.files import FilesSource
from sources.registry import get_table
from sources.tidy import tidy_table
from tests.fake_cbs import FakeCbs, FakeTable
from warehouse.db import append_vintage, connect, newest_vintages, read_vintage

SPEC = get_table("80590ned")


@pytest.fixture
def exports(real_data, tmp_path) -> Path:
    folder = tmp_path / "exports"
    (folder / "cbs_dertje").mkdir(parents=True)
    shutil.copy(real_data / SPEC.export_file, folder / SPEC.export_file)
    (folder / SPEC.export_file).chmod(0o644)
    return folder


@pytest.fixture
def conn(tmp_path) -> duckdb.DuckDBPyConnection:
    connection = connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def vintage_count(conn) -> int:
    return conn.execute("select count(*) from raw.vintages").fetchone()[0]


def test_unchanged_data_adds_nothing_and_changed_data_adds_a_vintage(exports, conn):
    first, added = append_vintage(conn, FilesSource(exports).fetch(SPEC))
    again, added_again = append_vintage(conn, FilesSource(exports).fetch(SPEC))
    assert added and not added_again and first == again and vintage_count(conn) == 1

    path = exports / SPEC.export_file
    path.write_text(path.read_text(encoding="utf-8-sig").replace(";8451;", ";8452;", 1), encoding="utf-8")
    second, added = append_vintage(conn, FilesSource(exports).fetch(SPEC))
    assert added and second != first and vintage_count(conn) == 2
    rows = conn.execute("select vintage_id, count(*) from raw.cbs_80590ned group by 1").fetchall()
    assert dict(rows) == {first: 4080, second: 4080}  # the first vintage is kept as it was
    newest = newest_vintages(conn, "files")
    assert newest["vintage_id"].to_list() == [second]
    staged = tidy_table(SPEC, read_vintage(conn, SPEC.table_id, second), vintage_id=second, data_source="files")
    assert staged.filter(staged["period_label"] == "2003")["value"].to_list()[0] == 8452


def test_a_reordered_or_reformatted_export_is_the_same_vintage_and_any_changed_value_a_new_one(
    real_data, tmp_path, conn
):
    """The content hash is over the values (rows in key order, numbers as numbers), not the file's bytes: a file
    that holds the same figures makes no new vintage, so no release says "new data"."""
    spec = get_table("80472ned")
    path = tmp_path / spec.export_file
    path.parent.mkdir(parents=True)
    original = (real_data / spec.export_file).read_text(encoding="utf-8-sig")

    def vintage_of(text: str) -> tuple[str, bool]:
        path.write_text(text, encoding="utf-8")
        return append_vintage(conn, FilesSource(tmp_path).fetch(spec))

    first, _ = vintage_of(original)
    header, *rows = original.rstrip("\n").split("\n")
    assert rows[0] == "0;A-U Alle economische activiteiten;1997 1e kwartaal;89.8;152.3;142.0"
    assert rows[4].endswith(";1997 jaargem. /jaartotaal;;715.0;679.0")  # an empty cell: CBS published no figure
    same = {
        "rows in another order": "\n".join([header, *reversed(rows)]) + "\n",
        "89.80 for 89.8": original.replace(";89.8;", ";89.80;", 1),
        "715 for 715.0, a thousands space": original.replace(";715.0;", ";715;", 1).replace(";1017.0;", ";1 017.0;"),
    }
    for case, text in same.items():
        assert vintage_of(text) == (first, False), case
    changed = {
        "a changed number": original.replace(";89.8;", ";89.9;", 1),
        "an empty cell now CBS's '.'": original.replace("jaartotaal;;715.0", "jaartotaal;.;715.0", 1),
        "an empty cell now CBS's 'x'": original.replace("jaartotaal;;715.0", "jaartotaal;x;715.0", 1),
        "a number now CBS's '-' (nil)": original.replace(";142.0\n", ";-\n", 1),
    }
    vintages = {case: vintage_of(text) for case, text in changed.items()}
    assert all(added for _, added in vintages.values()), vintages
    assert len({first, *(vintage for vintage, _ in vintages.values())}) == 5


def test_a_vintage_shorter_than_announced_is_never_staged(exports, conn):
    good, _ = append_vintage(conn, FilesSource(exports).fetch(SPEC))
    short = replace(FilesSource(exports).fetch(SPEC), rows_expected=5000, content_hash="f" * 64)
    append_vintage(conn, short)
    assert newest_vintages(conn, "files")["vintage_id"].to_list() == [good]


def test_a_table_whose_columns_changed_is_refused_until_accepted(exports, conn):
    append_vintage(conn, FilesSource(exports).fetch(SPEC))
    path = exports / SPEC.export_file
    path.write_text(path.read_text(encoding="utf-8-sig").replace("Seizoengecorrigeerd_14", "Gecorrigeerd_14"))
    changed = FilesSource(exports).fetch(SPEC)
    with pytest.raises(
        SourceError,
        match=r"table 80590ned: the columns changed since vintage files:80590ned:.* "
        r"added \['Gecorrigeerd_14'\], removed \['Seizoengecorrigeerd_14'\]",
    ):
        append_vintage(conn, changed)
    assert vintage_count(conn) == 1
    _, added = append_vintage(conn, changed, accept_schema_change=True)
    assert added and vintage_count(conn) == 2


def test_a_ten_thousand_row_export_is_marked_as_likely_truncated(real_data, conn):
    raw = FilesSource(real_data).fetch(get_table("83538NED"))
    append_vintage(conn, raw)
    assert raw.rows_received == 10_000
    assert conn.execute("select truncation_suspected from raw.vintages").fetchone() == (True,)


def test_cbs_provisional_periods_stay_provisional_in_staging(real_data, conn):
    table = FakeTable.from_export(SPEC, real_data)
    for period in table.dimensions["Perioden"]:
        if period["Title"].startswith("2022"):
            period["Status"] = "Voorlopig"
    server, url = FakeCbs({SPEC.table_id: table}).start()
    try:
        raw = CbsSource(url, backoff_s=0).fetch(SPEC)
    finally:
        server.shutdown()
    vintage_id, _ = append_vintage(conn, raw)
    [stored] = newest_vintages(conn, "cbs").iter_rows(named=True)
    assert stored["table_modified"] is not None and stored["rows_expected"] == 4080
    import json

    staged = tidy_table(
        SPEC,
        read_vintage(conn, SPEC.table_id, vintage_id),
        vintage_id=vintage_id,
        data_source="cbs",
        period_status=json.loads(stored["period_status"]),
    )
    status = dict(staged.select("period_label", "status").unique().iter_rows())
    assert status["2022"] == "provisional" and status["2021"] == "definitive"


def test_an_unknown_dimension_key_names_the_table_column_and_row(real_data, tmp_path):
    folder = tmp_path / "keys"
    shutil.copytree(real_data / "cbs_biancab97", folder / "cbs_biancab97")
    path = folder / "cbs_biancab97/80472ned/vacatures.csv"
    path.chmod(0o644)
    text = path.read_text(encoding="utf-8-sig").replace('"1";"T001081"', '"1";"T009999"', 1)
    path.write_text(text, encoding="utf-8")
    spec = replace(
        get_table("80472ned"),
        export_file="cbs_biancab97/80472ned/vacatures.csv",
        key_labels_file="cbs_biancab97/80472ned/sectoren_metadata.csv",
    )
    with pytest.raises(SourceError, match=r"table 80472ned: .* column Bedrijfskenmerken row 3 has key 'T009999'"):
        FilesSource(folder).fetch(spec)


def test_an_unparseable_period_names_the_table_column_and_row(exports):
    path = exports / SPEC.export_file
    path.write_text(path.read_text(encoding="utf-8-sig").replace(";2004;", ";2004 Q5;", 1), encoding="utf-8")
    with pytest.raises(SourceError, match=r"table 80590ned: .* column Perioden row 3: unknown CBS period '2004 Q5'"):
        FilesSource(exports).fetch(SPEC)


def test_restoring_an_earlier_export_stages_its_vintage_again(exports, conn):
    good, _ = append_vintage(conn, FilesSource(exports).fetch(SPEC))
    path = exports / SPEC.export_file
    original = path.read_text(encoding="utf-8-sig")
    path.write_text(original.replace(";8451;", ";8452;", 1), encoding="utf-8")
    changed, _ = append_vintage(conn, FilesSource(exports).fetch(SPEC))
    assert newest_vintages(conn, "files")["vintage_id"].to_list() == [changed]
    path.write_text(original, encoding="utf-8")
    again, added = append_vintage(conn, FilesSource(exports).fetch(SPEC))
    assert (again, added) == (good, False)
    assert newest_vintages(conn, "files")["vintage_id"].to_list() == [good]
