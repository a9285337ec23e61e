"""The DuckDB warehouse: schemas, raw vintages, and whole-table writes. Explicit SQL an analyst can read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from sources.base import RawTable, SourceError

SCHEMAS = ("raw", "staging", "marts", "seeds", "forecast", "publish")
SEEDS_DIR = Path(__file__).parent / "seeds"
# the reviewed CSV files in warehouse/seeds, each loaded as seeds.<name>
SEED_NAMES = (
    "sector_groups",
    "group_composition",
    "occupation_skills",
    "education_skills",
    "parameters",
    "sbi_hierarchy",
    "reference_figures",
    "scenarios",
)

_VINTAGES_DDL = """
create table if not exists raw.vintages (
    vintage_id varchar primary key,
    table_id varchar not null,
    data_source varchar not null,
    location varchar not null,
    retrieved_at timestamptz not null,
    loaded_at timestamptz not null,
    table_modified timestamptz,
    rows_expected bigint,
    rows_received bigint not null,
    content_hash varchar not null,
    period_status json,
    columns json,
    truncation_suspected boolean,
    last_seen_at timestamptz,
    table_infos json,
    first_period varchar,
    last_period varchar
)
"""


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path))
    ensure_schemas(conn)
    return conn


def ensure_schemas(conn: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        conn.execute(f"create schema if not exists {schema}")
    conn.execute(_VINTAGES_DDL)
    # warehouses made before these columns existed get them added
    conn.execute("alter table raw.vintages add column if not exists columns json")
    conn.execute("alter table raw.vintages add column if not exists truncation_suspected boolean")
    conn.execute("alter table raw.vintages add column if not exists last_seen_at timestamptz")
    conn.execute("alter table raw.vintages add column if not exists table_infos json")
    conn.execute("alter table raw.vintages add column if not exists first_period varchar")
    conn.execute("alter table raw.vintages add column if not exists last_period varchar")


def raw_table_name(table_id: str) -> str:
    return f"raw.cbs_{table_id.lower()}"


def write_table(conn: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Replace a derived table whole (derived layers are rebuilt from raw on every run)."""
    conn.register("_frame", frame.to_arrow())
    try:
        conn.execute(f"create or replace table {name} as select * from _frame")
    finally:
        conn.unregister("_frame")


def read_table(conn: duckdb.DuckDBPyConnection, name: str, where: str = "true") -> pl.DataFrame:
    return conn.sql(f"select * from {name} where {where}").pl()


def append_vintage(
    conn: duckdb.DuckDBPyConnection, raw: RawTable, accept_schema_change: bool = False
) -> tuple[str, bool]:
    """Append a table's rows as a new vintage, unless the same content from the same source kind is there already.

    Returns (vintage_id, added). Raw tables are append-only: earlier vintages' rows are never changed. A vintage
    whose columns differ from the previous vintage's is refused unless `accept_schema_change` is set.

    A vintage is its content: the same content again adds nothing, and only what the source says about it now is
    recorded on it (when it was last sent, where it lives, CBS's Modified date and where that was read). So a new
    Modified date or metadata file without new figures makes no new vintage, and no new release.
    """
    vintage_id = f"{raw.data_source}:{raw.table_id}:{raw.content_hash[:16]}"
    first_period, last_period = raw.periods or (None, None)
    known = conn.execute("select 1 from raw.vintages where vintage_id = ?", [vintage_id]).fetchone()
    if known:
        conn.execute(
            """
            update raw.vintages set last_seen_at = ?, location = ?, table_modified = ?, table_infos = ?,
                first_period = ?, last_period = ?
            where vintage_id = ?
            """,
            [
                datetime.now(UTC),
                raw.location,
                raw.table_modified,
                raw.table_infos,
                first_period,
                last_period,
                vintage_id,
            ],
        )
        return vintage_id, False
    if not accept_schema_change:
        _refuse_schema_change(conn, raw)
    frame = raw.frame.with_columns(pl.lit(vintage_id).alias("vintage_id"))
    name = raw_table_name(raw.table_id)
    conn.execute("begin transaction")
    try:
        conn.register("_frame", frame.to_arrow())
        conn.execute(f"create table if not exists {name} as select * from _frame limit 0")
        conn.execute(f"insert into {name} by name select * from _frame")
        conn.unregister("_frame")
        conn.execute(
            """
            insert into raw.vintages (vintage_id, table_id, data_source, location, retrieved_at, loaded_at,
                table_modified, rows_expected, rows_received, content_hash, period_status, columns,
                truncation_suspected, last_seen_at, table_infos, first_period, last_period)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                vintage_id,
                raw.table_id,
                raw.data_source,
                raw.location,
                raw.retrieved_at,
                datetime.now(UTC),
                raw.table_modified,
                raw.rows_expected,
                raw.rows_received,
                raw.content_hash,
                json.dumps(raw.period_status),
                json.dumps(list(raw.columns_received)),
                raw.truncation_suspected,
                datetime.now(UTC),
                raw.table_infos,
                first_period,
                last_period,
            ],
        )
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    return vintage_id, True


def _refuse_schema_change(conn: duckdb.DuckDBPyConnection, raw: RawTable) -> None:
    previous = conn.execute(
        """
        select vintage_id, loaded_at, columns from raw.vintages
        where table_id = ? and data_source = ? and columns is not null
        order by loaded_at desc limit 1
        """,
        [raw.table_id, raw.data_source],
    ).fetchone()
    if previous is None:
        return
    before, now = json.loads(previous[2]), list(raw.columns_received)
    if before != now:
        added = [c for c in now if c not in before]
        removed = [c for c in before if c not in now]
        change = f"added {added}, removed {removed}" if added or removed else "same columns in another order"
        raise SourceError(
            f"table {raw.table_id}: the columns changed since vintage {previous[0]} (loaded {previous[1]:%Y-%m-%d}): "
            f"{change}. If CBS changed the table on purpose, review its entry in sources/registry.py and "
            f"materialise raw/cbs_{raw.table_id.lower()} with the raw_tables config accept_schema_change: "
            f"['{raw.table_id}'] (dg launch --assets raw/cbs_{raw.table_id.lower()} --config-json "
            f'\'{{"ops": {{"raw_tables": {{"config": {{"accept_schema_change": ["{raw.table_id}"]}}}}}}}}\')'
        )


def newest_vintages(conn: duckdb.DuckDBPyConnection, data_source: str) -> pl.DataFrame:
    """The newest complete vintage of each table from one source kind: the content the source sent last (so
    restoring an earlier export brings its vintage back); a vintage with fewer rows than its source announced is
    never used.

    Not by CBS's Modified date: an export can come with a metadata file that dates it and its successor without one
    (sources/files.py), and the live service's date moves with what it sends (append_vintage records it again).
    """
    return conn.execute(
        """
        select * from raw.vintages
        where data_source = ? and (rows_expected is null or rows_received >= rows_expected)
        qualify row_number() over (
            partition by table_id order by coalesce(last_seen_at, loaded_at) desc, loaded_at desc
        ) = 1
        order by table_id
        """,
        [data_source],
    ).pl()


def read_vintage(conn: duckdb.DuckDBPyConnection, table_id: str, vintage_id: str) -> pl.DataFrame:
    frame = conn.execute(
        f"select * exclude (vintage_id) from {raw_table_name(table_id)} where vintage_id = ? order by source_row",
        [vintage_id],
    ).pl()
    return frame


def read_tables(conn: duckdb.DuckDBPyConnection, names: Iterable[str]) -> dict[str, pl.DataFrame]:
    """Whole tables by their warehouse name (`marts.unemployment`, `seeds.parameters`, ...)."""
    return {name: read_table(conn, name) for name in names}


# seed columns read as booleans ("true"/"false"); the rest stay text, so codes keep their leading zeros (`01`, not 1)
SEED_BOOLEANS = {"sbi_hierarchy": ("complete",)}


# Seed text no release can render, refused as the seed is read, so the run stops at the seeds (before any model)
# rather than at publication: control characters, which the workbook's XML has no place for (openpyxl refuses them;
# TAB, LF and CR are ordinary whitespace), and two or more `$`, between which Matplotlib typesets a chart's label as
# mathematics (`$\macro$` stops the charts).
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class SeedError(ValueError):
    """A seed file that cannot be used; the message names the file, line and column."""


def read_seed(name: str) -> pl.DataFrame:
    """A reviewed crosswalk or parameter file from warehouse/seeds; text a release could not render is an error
    naming the file, line and column."""
    path = SEEDS_DIR / f"{name}.csv"
    frame = pl.read_csv(path, infer_schema=False)
    for column in frame.columns:
        for line, text in enumerate(frame[column], start=2):  # line 1 is the header
            if text is not None and (problem := _unrenderable(text)):
                raise SeedError(f"{path} line {line}, column {column}: {text!r} holds {problem}")
    return frame.with_columns(pl.col(column) == "true" for column in SEED_BOOLEANS.get(name, ()))


def _unrenderable(text: str) -> str | None:
    if control := CONTROL_CHARACTER.search(text):
        return f"a control character ({control.group()!r} at position {control.start() + 1})"
    if text.count("$") >= 2:
        return "two or more '$', between which the charts would typeset mathematics (write USD or 'dollar')"
    return None
