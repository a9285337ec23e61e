"""Read what the gap model needs from the warehouse: the marts, the series forecasts and the seeds."""

from __future__ import annotations

import duckdb
import polars as pl

from models.gap_inputs import Marts, ModelData, load_model_data
from warehouse.db import read_table

GAP_SEEDS = ("group_composition", "occupation_skills", "education_skills", "parameters")  # + read_hierarchy


def read_marts(conn: duckdb.DuckDBPyConnection) -> Marts:
    return Marts(**{role: read_table(conn, f"marts.{role}") for role in Marts.__dataclass_fields__})


def read_model_data(
    conn: duckdb.DuckDBPyConnection, marts: Marts | None = None, forecasts: pl.DataFrame | None = None
) -> ModelData:
    """The gap model's inputs as the last run left them in the warehouse. A caller that has read the marts or the
    series forecasts already passes them: at scale they are the largest frames of the run."""
    seeds = {name: read_table(conn, f"seeds.{name}") for name in GAP_SEEDS}
    return load_model_data(
        marts if marts is not None else read_marts(conn),
        forecasts if forecasts is not None else read_table(conn, "forecast.series_forecasts"),
        seeds["group_composition"],
        read_hierarchy(conn),
        seeds["occupation_skills"],
        seeds["education_skills"],
        {row["name"]: float(row["value"]) for row in seeds["parameters"].iter_rows(named=True)},
    )


def read_hierarchy(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """seeds.sbi_hierarchy with `complete` as a boolean (the seed stores text)."""
    return read_table(conn, "seeds.sbi_hierarchy").with_columns(pl.col("complete") == "true")
