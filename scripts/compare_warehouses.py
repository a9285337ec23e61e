"""Compare the forecast and publish tables of two warehouses frame for frame: do two code versions publish the same?

    uv run python scripts/compare_warehouses.py before.duckdb after.duckdb

Each warehouse's newest release is compared: every table of the `forecast` and `publish` schemas, rows sorted, the
columns that name a run rather than a number left out (release ids, timestamps, the code version and what follows
from it). Prints one line per table and exits 1 when any table differs, naming its first differing column.
"""

from __future__ import annotations

import argparse
import sys

import duckdb
import polars as pl

SCHEMAS = ("forecast", "publish")
# columns that differ between any two runs of the same code on the same data
VOLATILE = {
    "release_id",
    "previous_release_id",
    "published_at",
    "code_version",
    "fingerprint",
    "inputs",
    "changes",
    "changes_summary",
    "source_vintages",
    "rolled_back_at",
    "run_id",
    "evaluated_at",
}
# polars sums in parallel, so the last digits of a float sum may differ between runs of the same code
RELATIVE_TOLERANCE = 1e-9


def newest_rows(conn: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    frame = conn.sql(f"select * from {table}").pl()
    if "release_id" in frame.columns and frame.height:
        frame = frame.filter(pl.col("release_id") == frame["release_id"].max())
    stable = [c for c in frame.columns if c not in VOLATILE]
    frame = frame.select(stable)
    sortable = [c for c in stable if not isinstance(frame.schema[c], pl.List | pl.Struct | pl.Array)]
    return frame.sort(sortable, nulls_last=True)


def first_difference(a: pl.DataFrame, b: pl.DataFrame) -> str | None:
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype.is_float() and y.dtype.is_float():
            scale = pl.max_horizontal(x.abs(), pl.lit(1.0))
            close = pl.DataFrame({"x": x, "y": y}).select(
                ((pl.col("x") - pl.col("y")).abs() <= RELATIVE_TOLERANCE * scale.alias("s"))
                | (pl.col("x").is_null() & pl.col("y").is_null())
                | (pl.col("x").is_nan() & pl.col("y").is_nan())
            )
            if not close.to_series().fill_null(False).all():
                return column
        elif not x.equals(y, check_names=False, null_equal=True):
            return column
    return None


def tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    rows = conn.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        f"where table_schema in {SCHEMAS} and table_type = 'BASE TABLE'"
    ).fetchall()
    return {name for (name,) in rows}


def compare(before: str, after: str) -> int:
    with duckdb.connect(before, read_only=True) as old, duckdb.connect(after, read_only=True) as new:
        names = tables(old) | tables(new)
        differing = 0
        for name in sorted(names):
            if name not in tables(old) or name not in tables(new):
                print(f"{name}: only in {'after' if name not in tables(old) else 'before'}")
                differing += 1
                continue
            a, b = newest_rows(old, name), newest_rows(new, name)
            if a.columns != b.columns:
                print(f"{name}: columns differ: {sorted(set(a.columns) ^ set(b.columns))}")
                differing += 1
            elif a.height != b.height:
                print(f"{name}: {a.height} rows before, {b.height} after")
                differing += 1
            elif column := first_difference(a, b):
                print(f"{name}: {a.height} rows, differ first in column {column}")
                differing += 1
            else:
                print(f"{name}: {a.height} rows, identical")
    return 1 if differing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args(argv)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
