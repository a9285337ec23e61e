"""Exports analysts open in a spreadsheet: the letter's tables as they are printed, and never a live formula."""

import openpyxl
import polars as pl

from rendering.exports import neutralise_formulas
from rendering.letter import Column, Sheet
from rendering.vocabulary import hundreds
from rendering.workbook import CELL_LIMIT, TRUNCATED, write_workbook

RISKY = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "plain"]
RELEASE = {
    "release_id": "r1",
    "data_source": "files",
    "base_year": 2022,
    "published_at": "now",
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
