import polars as pl
import pytest

from sources.base import SourceError
from sources.registry import Measure, TableSpec
from sources.tidy import parse_value, tidy_table

SPEC = TableSpec(
    table_id="T1",
    title="test table",
    role="test",
    dimensions=("Sector",),
    measures=(Measure("Jobs_1", "jobs", "x 1 000", 1000),),
    export_file="t1.csv",
)


def raw(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Sector": [r[0] for r in rows],
            "Perioden": [r[1] for r in rows],
            "Jobs_1": [r[2] for r in rows],
            "source_row": list(range(2, len(rows) + 2)),
        }
    )


def test_cbs_symbols_become_missing_values_and_nil_becomes_zero():
    assert parse_value("   89.8", "T1", "Jobs_1", 2) == (89.8, None)
    assert parse_value("       .", "T1", "Jobs_1", 2) == (None, ".")
    assert parse_value("", "T1", "Jobs_1", 2) == (None, "")
    assert parse_value("x", "T1", "Jobs_1", 2) == (None, "x")
    assert parse_value("-", "T1", "Jobs_1", 2) == (0.0, "-")


def test_a_non_numeric_cell_names_table_column_and_row():
    with pytest.raises(SourceError, match=r"table T1: column Jobs_1 row 3 holds 'n/a'"):
        tidy_table(SPEC, raw([("A", "2019", "1"), ("A", "2020", "n/a")]), vintage_id="v", data_source="files")


def test_a_duplicated_period_names_the_rows():
    with pytest.raises(SourceError, match=r"period '2019' more than once .* \(rows 2, 3\)"):
        tidy_table(SPEC, raw([("A", "2019", "1"), ("A", "2019", "2")]), vintage_id="v", data_source="files")


def test_observations_are_long_typed_and_carry_status_and_vintage():
    frame = tidy_table(
        SPEC,
        raw([("A", "2019 4e kwartaal", "1.5"), ("A", "2020 1e kwartaal*", "2")]),
        vintage_id="files:T1:abc",
        data_source="files",
    )
    assert frame["value"].to_list() == [1.5, 2.0]
    assert frame["frequency"].to_list() == ["Q", "Q"]
    assert frame["status"].to_list() == ["unknown", "provisional"]
    assert frame["dims"][0] == '{"Sector":"A"}'
    assert set(frame["vintage_id"]) == {"files:T1:abc"}


def test_a_series_cut_off_part_way_is_marked_incomplete():
    rows = [("A", str(y), "1") for y in range(2015, 2020)] + [("B", str(y), "1") for y in range(2015, 2017)]
    frame = tidy_table(SPEC, raw(rows), vintage_id="v", data_source="files")
    complete = dict(frame.group_by("series_id").agg(pl.col("series_complete").first()).iter_rows())
    assert complete == {"T1 | Jobs_1 | A | Y": True, "T1 | Jobs_1 | B | Y": False}
