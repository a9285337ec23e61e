"""A release's files, made from its published tables only (so any release can be exported again): every table as
CSV and Parquet, the letter's workbook and its gap tables as CSV, and the release report with its charts.

The CSV files are for spreadsheets, written as CBS's own Dutch CSV downloads are so that Dutch Excel opens them as a
table when double-clicked: `;` between fields, a decimal comma (Dutch Excel reads `0.5` as text or as a date, `0,5` as
a number) and a UTF-8 byte-order mark (without it Excel reads the bytes as Windows-1252: "FryslÃ¢n"). Tools read the
Parquet files, which keep every type as it is; `read_spreadsheet_csv` reads the CSV files back."""

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
        write_table_files(frame, folder / name)
    sheets = letter_sheets(tables)
    for sheet in (s for s in sheets if s.letter_csv):  # the gap tables: per skill, key years and every year; markets
        file_name = "letter_" + sheet.name.lower().replace(" ", "_") + ".csv"
        write_spreadsheet_csv(sheet.frame(), folder / file_name)
    write_workbook(folder / f"talentgap_{release['release_id'][0]}.xlsx", sheets, release.row(0, named=True))
    write_report(folder, tables, previous_gaps)


def write_table_files(frame: pl.DataFrame, stem: Path) -> None:
    """One published table as `<stem>.parquet` (for tools) and `<stem>.csv` (for spreadsheets)."""
    frame.write_parquet(stem.with_suffix(".parquet"))
    write_spreadsheet_csv(frame, stem.with_suffix(".csv"))


def write_spreadsheet_csv(frame: pl.DataFrame, path: Path) -> None:
    """`frame` as a CSV file Dutch Excel opens as it is (module docstring), text that could run as a formula
    neutralised; times as `2026-12-03 14:06:19` (UTC), a form Excel reads as a date and time."""
    utc = pl.col(pl.Datetime(time_zone="*")).dt.convert_time_zone("UTC")
    neutralise_formulas(frame.with_columns(utc)).write_csv(
        path, separator=";", decimal_comma=True, include_bom=True, datetime_format="%Y-%m-%d %H:%M:%S"
    )


def read_spreadsheet_csv(path: Path) -> pl.DataFrame:
    """A CSV file write_spreadsheet_csv wrote, as polars reads it (numbers as numbers; the byte-order mark skipped)."""
    return pl.read_csv(path, separator=";", decimal_comma=True, infer_schema_length=None)


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
