"""A release's files, made from its published tables only (so any release can be exported again): every table as
CSV and Parquet, the letter's workbook and its gap tables as CSV, and the release report with its charts."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from rendering.letter import FORMULA_STARTS, letter_sheets


def write_release_files(tables: dict[str, pl.DataFrame], folder: Path, previous_gaps: pl.DataFrame | None) -> None:
    """One release in `folder` (made afresh): every published table as CSV and Parquet, the letter's workbook, the
    letter's gap tables as CSV (`letter_*.csv`), and the release report with its charts (`report.html`,
    `charts/`)."""
    from rendering.report import write_report  # matplotlib and openpyxl: imported only to render
    from rendering.workbook import write_workbook

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    release = tables["releases"]
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
        neutralise_formulas(frame).write_csv(folder / f"{name}.csv")
    sheets = letter_sheets(tables)
    for sheet in sheets[:4]:  # the gap tables, per skill: key years and every year
        file_name = "letter_" + sheet.name.lower().replace(" ", "_") + ".csv"
        neutralise_formulas(sheet.frame()).write_csv(folder / file_name)
    write_workbook(folder / f"talentgap_{release['release_id'][0]}.xlsx", sheets, release.row(0, named=True))
    write_report(folder, tables, previous_gaps)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula (starting with =, +, - or @) get a leading apostrophe in CSV,
    as OWASP advises; the Parquet and the database keep the text as it is."""
    starts = "^[" + "".join("\\" + c for c in FORMULA_STARTS) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(starts)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )
