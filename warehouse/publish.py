"""Publishing a release: append it to the publish schema in one transaction, export it, swap in a read-only copy.

Nothing is written to `publish` unless every step before it succeeded, and the read-only copy analysts open
(`warehouse/published/talentgap.duckdb`) is replaced with an atomic rename, so a failed run leaves the last good
release readable and intact.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import write_table
from warehouse.workbook import FORMULA_STARTS, write_workbook

# every published table has a release_id column; the workbook leaves out long JSON columns that CSV and Parquet keep
PUBLISHED_TABLES = ("skill_gaps", "releases", "parameters", "gap_parameters", "reconciliation")


def publish_release(conn: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    """Append one release's rows to each publish.<table> of `tables` (PUBLISHED_TABLES), all or nothing."""
    _check_tables(tables)
    release_id = tables["releases"]["release_id"][0]
    conn.execute("begin transaction")
    try:
        for name, frame in tables.items():
            conn.register("_frame", frame.to_arrow())
            conn.execute(f"create table if not exists publish.{name} as select * from _frame limit 0")
            _add_new_columns(conn, f"publish.{name}")
            conn.execute(f"delete from publish.{name} where release_id = ?", [release_id])
            conn.execute(f"insert into publish.{name} by name select * from _frame")
            conn.unregister("_frame")
        conn.execute(
            """
            create or replace view publish.latest_skill_gaps as
            select * from publish.skill_gaps
            where release_id = (select max(release_id) from publish.releases)
            """
        )
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise


def _add_new_columns(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """Columns a newer release adds are added to the table (older releases read NULL there), never dropped."""
    existing = {row[0] for row in conn.execute(f"describe {table}").fetchall()}
    for column, column_type, *_ in conn.execute("describe select * from _frame").fetchall():
        if column not in existing:
            conn.execute(f'alter table {table} add column "{column}" {column_type}')


def _check_tables(tables: dict[str, pl.DataFrame]) -> None:
    if tuple(tables) != PUBLISHED_TABLES:
        raise ValueError(f"a release publishes the tables {PUBLISHED_TABLES}, got {tuple(tables)}")


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula (starting with =, +, - or @) get a leading apostrophe in CSV,
    as OWASP advises; the Parquet and the database keep the text as it is."""
    starts = "^[" + "".join("\\" + c for c in FORMULA_STARTS) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(starts)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


def export_release(tables: dict[str, pl.DataFrame], exports_dir: Path) -> Path:
    """Write the release as CSV, Parquet and a formatted workbook under exports/<release_id>/, via a temporary
    folder."""
    _check_tables(tables)
    release = tables["releases"]
    release_id = release["release_id"][0]
    final = exports_dir / release_id
    staging = exports_dir / f".{release_id}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, frame in tables.items():
        frame.write_parquet(staging / f"{name}.parquet")
        neutralise_formulas(frame).write_csv(staging / f"{name}.csv")
    # the workbook leaves out the long lineage JSON, which the CSV and Parquet keep
    sheets = {name: frame.drop("lineage", "source_vintages", strict=False) for name, frame in tables.items()}
    write_workbook(staging / f"talentgap_{release_id}.xlsx", sheets, release.row(0, named=True))
    if final.exists():  # publishing the same release again replaces its exports whole
        previous = exports_dir / f".{release_id}.old"
        final.rename(previous)
        staging.rename(final)
        shutil.rmtree(previous)
    else:
        staging.rename(final)
    return final


def swap_published_copy(conn: duckdb.DuckDBPyConnection, published_path: Path) -> None:
    """Copy the publish schema into a fresh DuckDB file and rename it over the analysts' copy in one step."""
    published_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = published_path.with_suffix(".duckdb.tmp")
    temporary.unlink(missing_ok=True)
    copy = duckdb.connect(str(temporary))
    try:
        copy.execute("create schema publish")
        for name in PUBLISHED_TABLES:
            write_table(copy, f"publish.{name}", conn.sql(f"select * from publish.{name}").pl())
        copy.execute(
            "create view publish.latest_skill_gaps as select * from publish.skill_gaps "
            "where release_id = (select max(release_id) from publish.releases)"
        )
    finally:
        copy.close()
    os.replace(temporary, published_path)
