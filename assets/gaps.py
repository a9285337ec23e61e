"""Gap tables: the stock-flow gap model per group x skill x year (models/gap/), its backtest, calibration,
scenarios, tornado, provinces and reconciliation, with lineage."""

from collections.abc import Iterator

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from assets.metadata import (
    asset_key,
    log_unchanged,
    made_by,
    only_selected,
    preview,
    record_write,
    step_version,
    versioned,
)
from assets.resources import TalentgapSettings, WarehouseResource
from models.gap.inputs import NATIONAL
from models.gap.tables import GAP_TABLES, STEP_INPUTS, STEP_QUERIES, TABLE_INPUTS, gap_tables
from warehouse.db import SEED_NAMES, write_table

KEYS = [dg.AssetKey(["forecast", name]) for name in GAP_TABLES]
DESCRIPTIONS = {
    "skill_gaps": (
        "Per priority group x skill x year, from the base year (observed) to the end year: demand (filled + unfilled "
        "jobs), supply (the stock-flow account), the gap (unfilled jobs) with 80% and 95% intervals, its normal and "
        "structural parts, the supply/demand ratio with ROA's ITA classes, every flow, the calibrated rates and the "
        "lineage. Not yet published: see publish/skill_gaps."
    ),
    "gap_backtest": (
        "The whole gap model run from earlier base years with only the data known then: predicted, observed and "
        "no-change gaps 1-4 years ahead per group x skill, with leave-one-origin-out 80% and 95% intervals."
    ),
    "gap_calibration": (
        "The stock-flow account closed on every year of the history per group x skill: outflow, school-leavers, "
        "unemployed, other entrants (calibrated) and the rates they give."
    ),
    "gap_parameters": (
        "Calibrated rates per group x skill (other-entrant rate, demand and employment growth) with their mean, "
        "spread, minimum and maximum over the calibration years."
    ),
    "accuracy": (
        "How well this release's models did against their baselines: the gap model per skill (mean absolute error "
        "against no change) and the input forecasts per CBS table (MASE against the best baseline), with the "
        "coverage of their intervals."
    ),
    "skill_gaps_scenarios": (
        "Every scenario of seeds/scenarios (the baseline first, equal to skill_gaps) per group x skill x year: "
        "demand, supply and the gap with 80% and 95% intervals, and the difference from the baseline with its "
        "intervals (paired draws of the skill share and of the assumptions' ranges)."
    ),
    "gap_sensitivities": (
        "Tornado table: per group x skill x projected year, each input (the assumptions over their range, the input "
        "forecasts over their 80% interval, the skill share over its bounds, the model's backtest error) swung on "
        "its own, the gap at each end and the input's rank."
    ),
    "skill_gaps_by_region": (
        "Per group x skill x year x province: the national gap and its intervals shared over the twelve provinces "
        "by their open vacancies in the group's sections (83599NED) and their location quotient of technical and "
        "ICT occupations (84916NED); the provinces add up to the national row. A province that cannot be estimated "
        "says why."
    ),
    "reconciliation": (
        "Our national totals and group sizes beside the reference figures everyone knows, with the definition on "
        "each side and the difference in %."
    ),
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["forecast", name],
            group_name="forecast",
            kinds={"duckdb"},
            deps=[asset_key(table) for table in TABLE_INPUTS[name]],
            description=DESCRIPTIONS[name],
        )
        for name in GAP_TABLES
    ],
    can_subset=True,
)
def skill_gaps(context: AssetExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource):
    with duckdb.get_connection() as conn:
        version = step_version(conn, [asset_key(table) for table in STEP_INPUTS], end_year=settings.end_year)
        previous = made_by(conn, KEYS, version)
    if previous:
        log_unchanged(context, previous)
        yield from only_selected(context, (versioned(key, version, unchanged_since=previous) for key in KEYS))
        return
    with duckdb.get_connection() as conn:
        inputs = {name: conn.sql(query).pl() for name, query in STEP_QUERIES.items()}
    context.log.info(f"gap model to {settings.end_year}: backtest, projection, scenarios, tornado and provinces")
    outputs = gap_tables(inputs, settings.end_year, list(SEED_NAMES))
    with duckdb.get_connection() as conn:
        for name, frame in outputs.items():
            write_table(conn, f"forecast.{name}", frame)
        record_write(context, conn, dict.fromkeys(KEYS, version))
    yield from only_selected(context, _results(outputs, settings.end_year, version))


def _results(outputs: dict[str, pl.DataFrame], end_year: int, version: str) -> Iterator[dg.MaterializeResult]:
    """What the UI shows beside each table: its size and the rows a reader looks at first."""
    gaps, scenarios = outputs["skill_gaps"], outputs["skill_gaps_scenarios"]
    regional, sensitivities = outputs["skill_gaps_by_region"], outputs["gap_sensitivities"]
    end = pl.col("year") == end_year
    # per scenario, the group and skill it moves most (groups overlap, so their differences do not add up)
    effects = (
        scenarios.filter(end)
        .sort(pl.col("difference").abs(), descending=True)
        .group_by("scenario", maintain_order=True)
        .first()
        .select("scenario", "sector_group", "skill", "baseline_gap", "gap", "difference")
    )
    metadata = {
        "skill_gaps": {
            "base_year": int(gaps["base_year"][0]),
            "preview": preview(
                gaps.filter(end).select("sector_group", "skill", "demand", "supply", "gap", "gap_lower", "gap_upper")
            ),
        },
        "gap_backtest": {"accuracy": preview(_accuracy(outputs["gap_backtest"]))},
        "skill_gaps_scenarios": {
            "scenarios": ", ".join(scenarios["scenario"].unique(maintain_order=True)),
            "national_effects": preview(
                scenarios.filter(end, pl.col("sector_group") == NATIONAL).select(
                    "scenario", "skill", "baseline_gap", "gap", "difference", "difference_lower", "difference_upper"
                ),
                rows=40,
            ),
            "largest_effect_per_scenario": preview(effects, rows=20),
        },
        "skill_gaps_by_region": {
            "not_estimated": regional.filter(~pl.col("estimated")).height,
            "preview": preview(
                regional.filter(end, pl.col("sector_group") == "digital_ai")
                .select("skill", "region", "region_share", "gap", "gap_lower", "gap_upper")
                .sort("skill", "gap", descending=[False, True]),
                rows=24,
            ),
        },
        "gap_sensitivities": {
            "moves_most": preview(
                sensitivities.filter(end, pl.col("rank") == 1).select(
                    "sector_group", "skill", "input", "gap_at_low", "gap_at_high"
                ),
                rows=16,
            )
        },
        "reconciliation": {"preview": preview(outputs["reconciliation"], rows=20)},
    }
    for name in GAP_TABLES:  # in the order they are made from each other, as Dagster wants them
        yield versioned(
            dg.AssetKey(["forecast", name]),
            version,
            {"dagster/row_count": outputs[name].height, **metadata.get(name, {})},
        )


def _accuracy(errors: pl.DataFrame) -> pl.DataFrame:
    """Per skill, over the groups: mean absolute error of the model and of no change, and the 80%/95% coverage."""
    return (
        errors.filter(pl.col("sector_group") != NATIONAL)
        .group_by("skill")
        .agg(
            (pl.col("observed") - pl.col("predicted")).abs().mean().round(0).alias("mae_model"),
            (pl.col("observed") - pl.col("baseline")).abs().mean().round(0).alias("mae_no_change"),
            pl.col("in_80").mean().round(3).alias("coverage_80"),
            pl.col("in_95").mean().round(3).alias("coverage_95"),
        )
        .sort("skill")
    )
