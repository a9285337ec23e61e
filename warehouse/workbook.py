"""The release as a formatted Excel workbook for analysts: one sheet per published table and a cover sheet."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

LONG_TEXT = {
    "lineage",
    "gap_model",
    "skill_share_basis",
    "source_vintages",
    "note",
    "reference_definition",
    "our_definition",
}
PERSONS_FORMAT = "#,##0"
FORMULA_STARTS = ("=", "+", "-", "@")  # what spreadsheet programs read as the start of a formula
SHARE_FORMAT = "0.0%"
SHARES = {
    "skill_share",
    "skill_share_lower",
    "skill_share_upper",
    "hires_share",
    "outflow_rate",
    "other_entrant_rate",
    "other_entrant_rate_calibrated",
    "demand_growth",
    "employment_growth",
    "normal_ratio",
}
RATIOS = {"supply_demand_ratio", "value", "std", "min", "max", "difference_pct", "reference_value", "our_value"}


def write_workbook(path: Path, sheets: dict[str, pl.DataFrame], release: dict) -> None:
    """Write `sheets` (name -> frame) after a cover sheet that says what the release is and where it comes from."""
    book = Workbook()
    cover = book.active
    cover.title = "about"
    synthetic = bool(release.get("synthetic"))
    lines = [
        ("talentgap release", release["release_id"]),
        ("data source", release["data_source"] + (" (SYNTHETIC DEMO DATA, not for publication)" if synthetic else "")),
        ("base year", release["base_year"]),
        ("published at", str(release["published_at"])),
        ("code version", release["code_version"]),
        ("gap", "jobs in the skill left unfilled at the end of the year (demand - supply), persons, 80% interval"),
        ("method", "docs/method.md in the talentgap repository"),
        ("credit", release["credit"]),
    ]
    for row in lines:
        cover.append(row)
    for cell in cover["A"]:
        cell.font = Font(bold=True)
    if synthetic:
        cover["B2"].fill = PatternFill("solid", fgColor="FFC7CE")
    cover.column_dimensions["A"].width = 20
    cover.column_dimensions["B"].width = 90
    for name, frame in sheets.items():
        _write_sheet(book.create_sheet(name), frame)
    book.save(path)


def _write_sheet(sheet, frame: pl.DataFrame) -> None:
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append([v if isinstance(v, int | float | str | bool) or v is None else str(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # text, never a live formula (a label starting with = would otherwise run)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, (column, dtype) in enumerate(frame.schema.items(), start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 60 if column in LONG_TEXT else max(12, min(len(column) + 2, 30))
        if dtype.is_float():
            number_format = SHARE_FORMAT if column in SHARES else "0.00" if column in RATIOS else PERSONS_FORMAT
            for cell in sheet[letter][1:]:
                cell.number_format = number_format
