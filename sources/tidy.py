"""Raw CBS tables -> one tidy long frame of observations (the staging layer's shape)."""

from __future__ import annotations

import polars as pl

from sources.base import CBS_NUMBER, SourceError
from sources.periods import parse_period
from sources.registry import PERIOD_DIMENSION, TableSpec

# CBS symbols for a cell without a number. "-" is CBS's "nihil": zero, not missing.
MISSING_SYMBOLS = {"", ".", "x", "?"}
NIL_SYMBOL = "-"

OBSERVATION_SCHEMA = {
    "table_id": pl.String,
    "measure": pl.String,
    "series_id": pl.String,
    "dims": pl.String,
    "period_label": pl.String,
    "period_start": pl.Date,
    "frequency": pl.String,
    "period_index": pl.Int64,
    "value": pl.Float64,
    "symbol": pl.String,
    "unit": pl.String,
    "scale": pl.Float64,
    "status": pl.String,
    "series_complete": pl.Boolean,
    "vintage_id": pl.String,
    "data_source": pl.String,
    "source_row": pl.Int64,
}


def parse_value(text: str, table_id: str, column: str, row: int) -> tuple[float | None, str | None]:
    """A CBS cell as (number, symbol): `1 234.5` -> 1234.5, `.` -> (None, '.'), `-` -> (0.0, '-')."""
    cell = text.strip()
    if cell in MISSING_SYMBOLS:
        return None, cell
    if cell == NIL_SYMBOL:
        return 0.0, cell
    number = cell.replace(" ", "")
    if not CBS_NUMBER.fullmatch(number):
        raise SourceError(f"table {table_id}: column {column} row {row} holds {text!r}, which is not a number")
    return float(number), None


def parse_values(texts: pl.Series, rows: pl.Series, table_id: str, column: str) -> tuple[pl.Series, pl.Series]:
    """parse_value for a whole column at once, as (value, symbol) series; the first cell that is no number stops it
    with parse_value's message."""
    cell = texts.str.strip_chars()
    number = cell.str.replace_all(" ", "", literal=True)
    missing = cell.is_in(sorted(MISSING_SYMBOLS))
    nil = cell == NIL_SYMBOL
    numeric = number.str.contains(f"^(?:{CBS_NUMBER.pattern})$")
    bad = ~(missing | nil | numeric).fill_null(False) | cell.is_null()
    if bad.any():
        first = int(bad.arg_true()[0])
        parse_value(texts[first], table_id, column, rows[first])  # raises, naming the cell
    frame = pl.DataFrame({"cell": cell, "number": number, "missing": missing, "nil": nil})
    parsed = frame.select(
        pl.when("missing")
        .then(None)
        .when("nil")
        .then(0.0)
        .otherwise(pl.col("number").cast(pl.Float64, strict=False))
        .alias("value"),
        pl.when("missing").then(pl.col("cell")).when("nil").then(pl.lit(NIL_SYMBOL)).alias("symbol"),
    )
    return parsed["value"], parsed["symbol"].cast(pl.String)


def period_index(start: pl.Expr, frequency: pl.Expr) -> pl.Expr:
    """Consecutive integers per frequency, so gaps in a series are differences other than 1."""
    year = start.dt.year().cast(pl.Int64)
    return (
        pl.when(frequency == "Q")
        .then(year * 4 + (start.dt.month().cast(pl.Int64) - 1) // 3)
        .when(frequency == "M")
        .then(year * 12 + start.dt.month().cast(pl.Int64) - 1)
        .otherwise(year)
    )


def tidy_table(
    spec: TableSpec,
    raw: pl.DataFrame,
    *,
    vintage_id: str,
    data_source: str,
    period_status: dict[str, str] | None = None,
) -> pl.DataFrame:
    """Unpivot a raw table to observations, parse periods and values, and mark truncated series.

    A series (table, measure, dimension labels, frequency) is complete when it has every period of its frequency
    between the first and last period the table has at that frequency; a table cut off part-way leaves its last
    series incomplete, and the marts read only complete series.
    """
    period_status = period_status or {}
    # each distinct period label is parsed once: a table repeats its few dozen periods for every series
    periods = pl.DataFrame({PERIOD_DIMENSION: raw[PERIOD_DIMENSION].unique()})
    parsed = [parse_period(label.rstrip("*")) for label in periods[PERIOD_DIMENSION]]
    periods = periods.with_columns(
        pl.col(PERIOD_DIMENSION).str.strip_suffix("*").alias("period_label"),
        pl.Series("period_start", [p.start for p in parsed], dtype=pl.Date),
        pl.Series("frequency", [p.frequency for p in parsed], dtype=pl.String),
        pl.Series(
            "status",
            [
                "provisional" if label.endswith("*") else period_status.get(label.rstrip("*"), "unknown")
                for label in periods[PERIOD_DIMENSION]
            ],
            dtype=pl.String,
        ),
    )
    base = raw.join(periods, on=PERIOD_DIMENSION, how="left", maintain_order="left").select(
        *spec.dimensions, "period_label", "period_start", "frequency", "status", "source_row"
    )
    frames = []
    for measure in spec.measures:
        value, symbol = parse_values(raw[measure.name], raw["source_row"], spec.table_id, measure.name)
        frames.append(
            base.with_columns(
                pl.lit(measure.name).alias("measure"),
                value,
                symbol,
                pl.lit(measure.unit).alias("unit"),
                pl.lit(measure.scale, dtype=pl.Float64).alias("scale"),
            )
        )
    long = pl.concat(frames)
    dims = list(spec.dimensions)
    long = long.with_columns(
        pl.lit(spec.table_id).alias("table_id"),
        pl.struct(dims).struct.json_encode().alias("dims"),
        pl.concat_str([pl.lit(spec.table_id), "measure", *dims, "frequency"], separator=" | ").alias("series_id"),
        period_index(pl.col("period_start"), pl.col("frequency")).alias("period_index"),
        pl.lit(vintage_id).alias("vintage_id"),
        pl.lit(data_source).alias("data_source"),
    )
    _fail_on_duplicates(spec, long)
    return _mark_complete_series(long).select(list(OBSERVATION_SCHEMA)).cast(OBSERVATION_SCHEMA)


def _fail_on_duplicates(spec: TableSpec, long: pl.DataFrame) -> None:
    duplicated = long.filter(pl.struct("series_id", "period_start").is_duplicated()).sort("source_row")
    if duplicated.height:
        first = duplicated.row(0, named=True)
        rows = duplicated.filter(
            (pl.col("series_id") == first["series_id"]) & (pl.col("period_start") == first["period_start"])
        )["source_row"].to_list()
        raise SourceError(
            f"table {spec.table_id}: column {PERIOD_DIMENSION} has period {first['period_label']!r} more than once "
            f"for {first['dims']} (rows {', '.join(map(str, sorted(set(rows))))})"
        )


def _mark_complete_series(long: pl.DataFrame) -> pl.DataFrame:
    span = long.group_by("frequency").agg(
        pl.col("period_index").min().alias("first_index"), pl.col("period_index").max().alias("last_index")
    )
    counts = long.group_by("series_id", "frequency").agg(pl.col("period_index").n_unique().alias("periods"))
    complete = counts.join(span, on="frequency").select(
        "series_id",
        (pl.col("periods") == pl.col("last_index") - pl.col("first_index") + 1).alias("series_complete"),
    )
    return long.join(complete, on="series_id", how="left")
