"""Exports analysts open in a spreadsheet: the letter's tables as they are printed, and never a live formula."""

import codecs
import csv
import io
import re

import openpyxl
import polars as pl

from rendering.exports import neutralise_formulas, read_spreadsheet_csv, write_spreadsheet_csv
from rendering.letter import Column, Sheet
from rendering.vocabulary import hundreds
from rendering.workbook import CELL_LIMIT, TRUNCATED, write_workbook

RISKY = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "plain"]
RELEASE = {
    "release_id": "r1",
    "data_source": "files",
    "base_year": 2022,
    "published_at": "2026-12-03 14:06:19+00:00",
    "code_version": "v",
    "credit": "CBS",
    "synthetic": False,
}


def test_text_cells_that_look_like_formulas_stay_text_in_the_workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    sheet = Sheet(
        "blad", "titel", [Column("Label", "Label", "text"), Column("Waarde", "Value")], [[v, 1] for v in RISKY]
    )
    write_workbook(path, [sheet], RELEASE)
    cells = [row[0] for row in openpyxl.load_workbook(path)["blad"].iter_rows(min_row=4, max_row=8)]
    assert [c.value for c in cells] == RISKY
    assert {c.data_type for c in cells} == {"s"}


def test_csv_text_that_looks_like_a_formula_gets_an_apostrophe():
    frame = neutralise_formulas(pl.DataFrame({"label": RISKY, "value": [-1.0] * 5}))
    assert frame["label"].to_list() == ["'" + v for v in RISKY[:4]] + ["plain"]
    assert frame["value"].to_list() == [-1.0] * 5  # numbers are numbers, negative ones too


def test_csv_text_starting_with_a_tab_or_carriage_return_gets_an_apostrophe():
    # OWASP's list: some spreadsheet programs drop a leading TAB or CR and run the formula behind it
    texts = ["\t=cmd|' /C calc'!A0", "\r=1+1", " =1", "a\t=1"]
    frame = neutralise_formulas(pl.DataFrame({"label": texts, "value": [-2.5, -1.0, 0.0, None]}))
    assert frame["label"].to_list() == ["'\t=cmd|' /C calc'!A0", "'\r=1+1", " =1", "a\t=1"]
    assert frame["value"].to_list() == [-2.5, -1.0, 0.0, None]


def test_a_cell_longer_than_excel_holds_is_cut_visibly_and_the_sheet_says_where(tmp_path):
    path = tmp_path / "book.xlsx"
    long = "lineage " * 5_000  # 40,000 characters
    sheet = Sheet(
        "blad", "titel", [Column("Label", "Label", "text"), Column("Afkomst", "Lineage", "text")], [["a", long]]
    )
    write_workbook(path, [sheet], RELEASE)
    ws = openpyxl.load_workbook(path)["blad"]
    cell = ws["B4"].value
    assert len(cell) == CELL_LIMIT and cell.endswith(TRUNCATED) and long.startswith(cell.removesuffix(TRUNCATED))
    footnote = ws["A6"].value
    assert "32.767" in footnote and "CSV" in footnote and "B4 (Lineage, 40,000 characters)" in footnote


def test_persons_are_rounded_to_hundreds_as_cbs_publishes_them():
    values = (6108.9, 6149.9, 6150.0, 6250.0, 49.0, -251.0, -250.0, None)
    assert [hundreds(v) for v in values] == [6100, 6100, 6200, 6300, 0, -300, -300, None]  # halves away from zero


def test_a_published_csv_opens_in_dutch_excel_as_a_table(golden):
    """Read as Dutch Excel reads a double-clicked CSV: UTF-8 only with a byte-order mark, fields split on ';', a
    comma as the decimal sign and '.' as the thousands separator (so a number may not hold a '.')."""
    export = max((golden.warehouse.parent / "exports").iterdir())
    dutch_number = re.compile(r"-?\d+(,\d+)?([eE][-+]?\d+)?")
    for name, text_columns in (
        ("letter_tekort_technisch.csv", {"Groep"}),
        ("skill_gaps_by_region.csv", None),
    ):
        data = (export / name).read_bytes()
        assert data.startswith(codecs.BOM_UTF8), name
        header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
        assert len(header) > 5 and len(set(header)) == len(header), header
        assert all(len(row) == len(header) for row in rows), name
        frame = read_spreadsheet_csv(export / name)
        numeric = [c for c, dtype in frame.schema.items() if dtype.is_numeric()]
        if text_columns is not None:  # the letter's table: every column but the groups' names is a number
            assert set(header) - set(numeric) == text_columns
            assert not [c for c in header if "Gap" in c or "Group" in c], header  # one Dutch header, no English
        for column in numeric:
            cells = [row[header.index(column)] for row in rows if row[header.index(column)]]
            assert cells and all(dutch_number.fullmatch(cell) for cell in cells), (name, column, cells[:3])
    regions = read_spreadsheet_csv(export / "skill_gaps_by_region.csv")
    assert "Fryslân (PV)" in regions["region"].to_list()
    assert regions["region_share"].dtype == pl.Float64 and regions["gap"].dtype == pl.Float64
    assert 0 < regions["region_share"].max() < 1


def test_the_written_csv_keeps_formulas_inert_and_negative_numbers_numbers(tmp_path):
    path = tmp_path / "t.csv"
    write_spreadsheet_csv(pl.DataFrame({"label": RISKY, "value": [-1.5, -2.0, 0.25, None, 1234.5]}), path)
    header, *rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";")
    assert header == ["label", "value"]
    assert [row[0] for row in rows] == ["'" + v for v in RISKY[:4]] + ["plain"]
    assert [row[1] for row in rows] == ["-1,5", "-2,0", "0,25", "", "1234,5"]
