"""Gap layer: the gap accounting per group x skill x year, with the lineage of every number."""

from __future__ import annotations

import json

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.metadata import preview
from assets.seeds import SEEDS
from models.gap_inputs import Marts, build_gap_inputs
from models.gaps import compute_gaps
from pipelines.resources import TalentgapSettings
from warehouse.db import read_table, write_table

GAP_MODEL = "talentgap gap accounting v1 (expansion + replacement + existing vacancies - school-leavers - unemployed)"
SEED_KEYS = [dg.AssetKey(["seeds", name]) for name in SEEDS]
MART_ROLES = [field for field in Marts.__dataclass_fields__]


@dg.asset(
    key=["forecast", "skill_gaps"],
    group_name="gaps",
    pool="duckdb_write",
    kinds={"duckdb"},
    deps=[dg.AssetKey(["forecast", "series_forecasts"]), *SEED_KEYS, *(dg.AssetKey(["marts", r]) for r in MART_ROLES)],
    description=(
        "Demand (expansion + replacement + the vacancies open at the base year) against supply (school-leavers and "
        "unemployed who enter work) per priority group x skill x year, cumulated from the base year, with an 80% "
        "interval from simulating the forecast distributions. Not yet published: see publish/skill_gaps."
    ),
)
def skill_gaps(settings: TalentgapSettings, duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        marts = Marts(**{role: read_table(conn, f"marts.{role}") for role in MART_ROLES})
        forecasts = read_table(conn, "forecast.series_forecasts")
        seeds = {name: read_table(conn, f"seeds.{name}") for name in SEEDS}
    parameters = {row["name"]: float(row["value"]) for row in seeds["parameters"].iter_rows(named=True)}
    inputs, series_by_group = build_gap_inputs(
        marts,
        forecasts,
        seeds["group_composition"],
        seeds["occupation_skills"],
        seeds["education_skills"],
        parameters,
        settings.end_year,
    )
    gaps = compute_gaps(inputs)
    lineage = _lineage(marts, forecasts, series_by_group, seeds["group_composition"])
    groups = seeds["sector_groups"].select("sector_group", "sector_group_nl", "sector_group_en", "kind")
    allocated = (
        seeds["group_composition"]
        .group_by("sector_group")
        .agg((pl.col("allocated") == "true").any().alias("allocated"))
    )
    table = (
        gaps.join(groups, on="sector_group", how="inner")
        .join(allocated, on="sector_group")
        .join(lineage, on="sector_group")
        .with_columns(
            pl.lit(forecasts["release_id"][0]).alias("release_id"),
            pl.lit(forecasts["data_source"][0]).alias("data_source"),
            pl.lit(inputs.outflow_rate).alias("outflow_rate"),
            pl.lit(GAP_MODEL).alias("gap_model"),
        )
        .sort("sector_group", "skill", "year")
    )
    with duckdb.get_connection() as conn:
        write_table(conn, "forecast.skill_gaps", table)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": table.height,
            "base_year": inputs.base_year,
            "outflow_rate": inputs.outflow_rate,
            "preview": preview(
                table.select("sector_group", "skill", "year", "demand", "supply", "gap", "gap_lower", "gap_upper")
            ),
        }
    )


def _lineage(
    marts: Marts, forecasts: pl.DataFrame, series_by_group: dict[str, list[str]], composition: pl.DataFrame
) -> pl.DataFrame:
    """Per group, a JSON document naming each source table's vintage, each series' model and the seed rows used."""
    observed = pl.concat(
        [getattr(marts, role).select("series_id", "table_id", "vintage_id") for role in MART_ROLES]
    ).unique()
    models = forecasts.select("series_id", "model").unique()
    # The occupation mix and the age structure feed every group's numbers.
    shared = pl.concat(
        [
            m.select("series_id", "table_id", "vintage_id")
            for m in (marts.new_vacancies_by_occupation_and_sector, marts.employment_by_age)
        ]
    ).unique()
    rows = []
    for group, series_ids in series_by_group.items():
        used = pl.concat([observed.filter(pl.col("series_id").is_in(series_ids)), shared])
        document = {
            "source_tables": {
                t: v for t, v in used.select("table_id", "vintage_id").unique().sort("table_id").iter_rows()
            },
            "series_models": dict(models.filter(pl.col("series_id").is_in(series_ids)).sort("series_id").iter_rows()),
            "composition": composition.filter(pl.col("sector_group") == group)
            .select("role", "table_id", "code", "weight", "source")
            .to_dicts(),
            "seeds": ["group_composition", "occupation_skills", "education_skills", "parameters"],
        }
        rows.append((group, json.dumps(document, ensure_ascii=False)))
    return pl.DataFrame(rows, schema=["sector_group", "lineage"], orient="row")
