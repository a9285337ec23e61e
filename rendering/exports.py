"""A release's files, made from its published tables only (so any release can be exported again): every table as
CSV and Parquet, the letter's workbook and its gap tables as CSV, and the release report with its charts."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from rendering.letter import letter_sheets

# what a spreadsheet program may run as a formula when a CSV cell starts with it: OWASP's CSV-injection list (TAB and
# CR too: some programs drop a leading TAB or CR and read the formula behind it). The workbook uses the same list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
    for sheet in (s for s in sheets if s.letter_csv):  # the gap tables: per skill, key years and every year; markets
        file_name = "letter_" + sheet.name.lower().replace(" ", "_") + ".csv"
        neutralise_formulas(sheet.frame()).write_csv(folder / file_name)
    write_workbook(folder / f"talentgap_{release['release_id'][0]}.xlsx", sheets, release.row(0, named=True))
    write_report(folder, tables, previous_gaps)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet might run as a formula (starting with one of FORMULA_STARTS) get a leading
    apostrophe in CSV, as OWASP advises; numbers, negative ones too, are not text and stay as they are. The Parquet
    and the database keep the text as it is."""
    return frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(c).str.starts_with(start) for start in FORMULA_STARTS))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )
