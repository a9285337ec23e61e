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
from warehouse.workbook import write_workbook

PUBLISHED_TABLES = ("skill_gaps", "releases", "parameters")


def publish_release(
    conn: duckdb.DuckDBPyConnection,
    gaps: pl.DataFrame,
    release: pl.DataFrame,
    parameters: pl.DataFrame,
) -> None:
    """Append one release's rows to publish.skill_gaps, publish.releases and publish.parameters, all or nothing."""
    release_id = release["release_id"][0]
    conn.execute("begin transaction")
    try:
        for name, frame in zip(PUBLISHED_TABLES, (gaps, release, parameters), strict=True):
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


def export_release(gaps: pl.DataFrame, release: pl.DataFrame, parameters: pl.DataFrame, exports_dir: Path) -> Path:
    """Write the release as CSV, Parquet and a formatted workbook under exports/<release_id>/, via a temporary
    folder."""
    release_id = release["release_id"][0]
    final = exports_dir / release_id
    staging = exports_dir / f".{release_id}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, frame in zip(PUBLISHED_TABLES, (gaps, release, parameters), strict=True):
        frame.write_parquet(staging / f"{name}.parquet")
        frame.write_csv(staging / f"{name}.csv")
    # the workbook leaves out the long lineage JSON, which the CSV and Parquet keep
    write_workbook(
        staging / f"talentgap_{release_id}.xlsx",
        {"skill_gaps": gaps.drop("lineage", strict=False), "parameters": parameters},
        release.row(0, named=True),
    )
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
