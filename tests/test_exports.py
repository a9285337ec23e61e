"""Exports analysts open in a spreadsheet never run a cell as a formula."""

import openpyxl
import polars as pl

from warehouse.publish import neutralise_formulas
from warehouse.workbook import write_workbook

RISKY = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "plain"]


def test_text_cells_that_look_like_formulas_stay_text_in_the_workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    release = {"release_id": "r1", "data_source": "files", "base_year": 2022, "published_at": "now"}
    release |= {"code_version": "v", "credit": "CBS", "synthetic": False}
    write_workbook(path, {"sheet": pl.DataFrame({"label": RISKY, "value": [1.0] * 5})}, release)
    cells = [row[0] for row in openpyxl.load_workbook(path)["sheet"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == RISKY
    assert {c.data_type for c in cells} == {"s"}


def test_csv_text_that_looks_like_a_formula_gets_an_apostrophe():
    frame = neutralise_formulas(pl.DataFrame({"label": RISKY, "value": [-1.0] * 5}))
    assert frame["label"].to_list() == ["'" + v for v in RISKY[:4]] + ["plain"]
    assert frame["value"].to_list() == [-1.0] * 5  # numbers are numbers, negative ones too
