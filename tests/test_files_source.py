from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from sources.base import SourceError
from sources.files import FilesSource, read_csv_rows
from sources.periods import parse_period
from sources.registry import TABLES, get_table
from sources.tidy import tidy_table


def test_every_registered_table_loads_from_the_real_exports(real_data):
    source = FilesSource(real_data)
    for spec in TABLES:
        raw = source.fetch(spec)
        assert raw.rows_received > 0, spec.table_id
        assert raw.data_source == "files"


def test_every_csv_in_the_real_folder_parses_including_its_periods(real_data):
    data_files = [p for p in real_data.rglob("*.csv") if "metadata" not in p.name and p.name != "combined_data.csv"]
    assert len(data_files) >= 25
    for path in data_files:
        rows = read_csv_rows(path, path.stem)
        periods = [row[rows[0].index("Perioden")] for row in rows[1:]]
        assert all(parse_period(p.rstrip("*")) for p in periods), path


def test_key_form_export_reads_as_labels_with_the_cbs_figures(real_data):
    spec = get_table("80472ned")
    key_form_spec = replace(
        spec,
        export_file="cbs_biancab97/80472ned/vacatures.csv",
        key_labels_file="cbs_biancab97/80472ned/sectoren_metadata.csv",
    )
    key_form = FilesSource(real_data).fetch(key_form_spec)
    staged = tidy_table(spec, key_form.frame, vintage_id="k", data_source="files")
    total = staged.filter(
        pl.col("dims") == '{"Bedrijfskenmerken":"A-U Alle economische activiteiten"}',
        pl.col("measure") == "OpenstaandeVacatures_1",
        pl.col("frequency") == "Q",
    )
    by_period = dict(zip(total["period_label"], total["value"], strict=True))
    assert by_period["1997KW01"] == 89.8  # sanity figures from domain.md
    assert by_period["2022KW02"] == 479.8


def test_a_missing_column_is_named(real_data, tmp_path):
    original = (real_data / "cbs_dertje/85920NED.csv").read_text(encoding="utf-8-sig")
    (tmp_path / "cbs_dertje").mkdir()
    (tmp_path / "cbs_dertje/85920NED.csv").write_text(original.replace("WerkzamePersonen_1", "Werkzamen_1", 1))
    with pytest.raises(SourceError, match=r"table 85920NED: .* lacks column\(s\) WerkzamePersonen_1"):
        FilesSource(tmp_path).fetch(get_table("85920NED"))


def test_an_empty_file_and_a_wrong_encoding_are_refused_by_name(tmp_path: Path):
    (tmp_path / "cbs_dertje").mkdir()
    spec = get_table("80590ned")
    (tmp_path / spec.export_file).write_text("")
    with pytest.raises(SourceError, match="table 80590ned: .* is empty"):
        FilesSource(tmp_path).fetch(spec)
    (tmp_path / spec.export_file).write_bytes(
        "ID;Geslacht;Leeftijd;Perioden\n0;Totaal;52052;2003 maart\n1;Vrouwen;\xe9;2003\n".encode("latin-1")
    )
    with pytest.raises(SourceError, match="table 80590ned: .* is not UTF-8 .* line 3"):
        FilesSource(tmp_path).fetch(spec)


def test_a_truncated_export_leaves_its_cut_series_incomplete(real_data):
    spec = get_table("85276NED")
    staged = tidy_table(spec, FilesSource(real_data).fetch(spec).frame, vintage_id="v", data_source="files")
    incomplete = staged.filter(~pl.col("series_complete"))["dims"].unique().to_list()
    assert any("1214 Vrachtwagenchauffeurs" in d for d in incomplete)  # SOURCES.md: cut off at 1214
    assert staged.filter(pl.col("dims").str.contains("08 ICT beroepen"))["series_complete"].all()
