"""Gap layer: the stock-flow gap model per group x skill x year, its backtest and its calibration, with lineage."""

import json
from collections.abc import Iterator

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext
from dagster_duckdb import DuckDBResource

from assets.metadata import only_selected, preview, record_write
from assets.seeds import SEEDS
from models.forecasting import accuracy_by_table
from models.gap_inputs import NATIONAL, Marts
from models.gap_model import (
    GAP_MODEL,
    accuracy_frame,
    backtest,
    backtest_intervals,
    calibration_frame,
    parameters_frame,
    simulate,
    simulations_frame,
)
from models.reconciliation import reconcile
from models.regions import regional_frame, regional_split
from models.scenarios import check_years, parameter_ranges, read_scenarios, scenario_frame
from models.sensitivity import sensitivity_frame
from pipelines.resources import TalentgapSettings
from sources.registry import TABLES
from warehouse.db import read_table, write_table
from warehouse.gap_data import read_marts, read_model_data

SEED_KEYS = [dg.AssetKey(["seeds", name]) for name in SEEDS]
MART_ROLES = list(Marts.__dataclass_fields__)
DEPS = [dg.AssetKey(["forecast", "series_forecasts"]), *SEED_KEYS, *(dg.AssetKey(["marts", r]) for r in MART_ROLES)]
# the marts whose forecasts the account reads (school-leavers and the unemployed)
DRIVER_ROLES = ("mbo_graduates_by_field", "higher_education_enrolment_by_field", "unemployment")
# the marts every group's numbers come from besides its own composition
SHARED_ROLES = (
    *DRIVER_ROLES,
    "employment_by_occupation",
    "new_vacancies_by_occupation_and_sector",
    "employment_by_age",
)
NATIONAL_NAMES = (NATIONAL, "Nederland (alle sectoren)", "Netherlands (all sectors)", "national")
REGIONAL_ROLES = ("vacancies_by_region", "employment_by_occupation_and_region")
DRIVER_TABLES = [spec.table_id for spec in TABLES if spec.role in DRIVER_ROLES]


def _spec(name: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(["forecast", name], group_name="gaps", kinds={"duckdb"}, deps=DEPS, description=description)


@dg.multi_asset(
    specs=[
        _spec(
            "skill_gaps",
            "Per priority group x skill x year, from the base year (observed) to the end year: demand (filled + "
            "unfilled jobs), supply (the stock-flow account), the gap (unfilled jobs) with 80% and 95% intervals, "
            "its normal and structural parts, the supply/demand ratio with ROA's ITA classes, every flow, the "
            "calibrated rates and the lineage. Not yet published: see publish/skill_gaps.",
        ),
        _spec(
            "gap_backtest",
            "The whole gap model run from earlier base years with only the data known then: predicted, observed and "
            "no-change gaps 1-4 years ahead per group x skill, with leave-one-origin-out 80% and 95% intervals.",
        ),
        _spec(
            "gap_calibration",
            "The stock-flow account closed on every year of the history per group x skill: outflow, school-leavers, "
            "unemployed, other entrants (calibrated) and the rates they give.",
        ),
        _spec(
            "gap_parameters",
            "Calibrated rates per group x skill (other-entrant rate, demand and employment growth) with their mean, "
            "spread, minimum and maximum over the calibration years.",
        ),
        _spec(
            "accuracy",
            "How well this release's models did against their baselines: the gap model per skill (mean absolute "
            "error against no change) and the input forecasts per CBS table (MASE against the best baseline), with "
            "the coverage of their intervals.",
        ),
        _spec(
            "skill_gaps_scenarios",
            "Every scenario of seeds/scenarios (the baseline first, equal to skill_gaps) per group x skill x year: "
            "demand, supply and the gap with 80% and 95% intervals, and the difference from the baseline with its "
            "intervals (paired draws of the skill share and of the assumptions' ranges).",
        ),
        _spec(
            "gap_sensitivities",
            "Tornado table: per group x skill x projected year, each input (the assumptions over their range, the "
            "input forecasts over their 80% interval, the skill share over its bounds, the model's backtest error) "
            "swung on its own, the gap at each end and the input's rank.",
        ),
        _spec(
            "skill_gaps_by_region",
            "Per group x skill x year x province: the national gap and its intervals shared over the twelve "
            "provinces by their open vacancies in the group's sections (83599NED) and their location quotient of "
            "technical and ICT occupations (84916NED); the provinces add up to the national row. A province that "
            "cannot be estimated says why.",
        ),
        _spec(
            "reconciliation",
            "Our national totals and group sizes beside the reference figures everyone knows, with the definition "
            "on each side and the difference in %.",
        ),
    ],
    can_subset=True,
)
def skill_gaps(context: AssetExecutionContext, settings: TalentgapSettings, duckdb: DuckDBResource):
    yield from only_selected(context, _skill_gaps(settings, duckdb))
    record_write(context, duckdb)


def _skill_gaps(settings: TalentgapSettings, duckdb: DuckDBResource) -> Iterator[dg.MaterializeResult]:
    with duckdb.get_connection() as conn:
        marts = read_marts(conn)
        forecasts = read_table(conn, "forecast.series_forecasts")
        data = read_model_data(conn, marts, forecasts)
        forecast_backtest = read_table(conn, "forecast.backtest")
        seeds = {name: read_table(conn, f"seeds.{name}") for name in SEEDS}
    errors = backtest_intervals(backtest(data))
    simulations = simulate(data, errors, settings.end_year)
    table, units = simulations_frame(simulations), [s.unit for s in simulations]
    ranges = parameter_ranges(seeds["parameters"])
    scenarios = read_scenarios(seeds["scenarios"], seeds["sector_groups"]["sector_group"].to_list())
    check_years(scenarios, data.last_year, settings.end_year)
    release = {"release_id": forecasts["release_id"][0], "data_source": forecasts["data_source"][0]}
    groups = seeds["sector_groups"].select("sector_group", "sector_group_nl", "sector_group_en", "kind")
    group_lineage = _lineage(marts, forecasts, seeds["group_composition"])
    allocated = (
        seeds["group_composition"]
        .group_by("sector_group")
        .agg((pl.col("allocated") == "true").any().alias("allocated"))
    )
    gaps = (
        table.filter(pl.col("sector_group") != NATIONAL)
        .join(groups, on="sector_group", how="inner")
        .join(allocated, on="sector_group")
        .join(group_lineage, on="sector_group")
        .with_columns(pl.lit(GAP_MODEL).alias("gap_model"), *(pl.lit(v).alias(k) for k, v in release.items()))
        .sort("sector_group", "skill", "year")
    )
    # the scenarios and the tornado carry the national units too: the whole economy's effect, named as such
    names = pl.concat([groups, pl.DataFrame([NATIONAL_NAMES], schema=groups.columns, orient="row")])
    lineage = group_lineage.join(names, on="sector_group").with_columns(pl.lit(GAP_MODEL).alias("gap_model"))
    scenario_gaps = (
        scenario_frame(simulations, data, scenarios, ranges)
        .join(lineage, on="sector_group")
        .with_columns(pl.lit(v).alias(k) for k, v in release.items())
    )
    sensitivities = (
        sensitivity_frame(simulations, data, errors, ranges)
        .join(lineage.drop("lineage"), on="sector_group")
        .with_columns(pl.lit(v).alias(k) for k, v in release.items())
    )
    regional = regional_frame(
        gaps,
        regional_split(
            marts.vacancies_by_region,
            marts.employment_by_occupation_and_region,
            data.skill_employment,
            seeds["group_composition"],
            data.last_year,
        ),
        seeds["group_composition"],
        {
            t: v
            for role in REGIONAL_ROLES
            for t, v in getattr(marts, role).select("table_id", "vintage_id").unique().rows()
        },
    ).with_columns(pl.lit(v).alias(k) for k, v in release.items())
    reconciliation = reconcile(table, units, data, seeds["reference_figures"]).with_columns(
        pl.lit(v).alias(k) for k, v in release.items()
    )
    outputs = {
        "skill_gaps": gaps,
        "gap_backtest": errors.with_columns(pl.lit(v).alias(k) for k, v in release.items()),
        "gap_calibration": calibration_frame(units).with_columns(pl.lit(v).alias(k) for k, v in release.items()),
        "gap_parameters": parameters_frame(units).with_columns(pl.lit(v).alias(k) for k, v in release.items()),
        "accuracy": accuracy_frame(errors, accuracy_by_table(forecasts, forecast_backtest)).with_columns(
            pl.lit(v).alias(k) for k, v in release.items()
        ),
        "reconciliation": reconciliation,
        "skill_gaps_scenarios": scenario_gaps,
        "gap_sensitivities": sensitivities,
        "skill_gaps_by_region": regional,
    }
    with duckdb.get_connection() as conn:
        for name, frame in outputs.items():
            write_table(conn, f"forecast.{name}", frame)
    scored = errors.filter(pl.col("sector_group") != NATIONAL)
    yield dg.MaterializeResult(
        asset_key=["forecast", "skill_gaps"],
        metadata={
            "dagster/row_count": gaps.height,
            "base_year": data.last_year,
            "preview": preview(
                gaps.filter(pl.col("year") == settings.end_year).select(
                    "sector_group", "skill", "demand", "supply", "gap", "gap_lower", "gap_upper"
                )
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["forecast", "gap_backtest"],
        metadata={
            "dagster/row_count": errors.height,
            "accuracy": preview(_accuracy(scored)),
        },
    )
    for name in ("gap_calibration", "gap_parameters", "accuracy"):
        yield dg.MaterializeResult(asset_key=["forecast", name], metadata={"dagster/row_count": outputs[name].height})
    # per scenario, the group and skill it moves most (groups overlap, so their differences do not add up)
    effects = (
        scenario_gaps.filter(pl.col("year") == settings.end_year)
        .sort(pl.col("difference").abs(), descending=True)
        .group_by("scenario", maintain_order=True)
        .first()
        .select("scenario", "sector_group", "skill", "baseline_gap", "gap", "difference")
    )
    yield dg.MaterializeResult(
        asset_key=["forecast", "skill_gaps_scenarios"],
        metadata={
            "dagster/row_count": scenario_gaps.height,
            "scenarios": ", ".join(s.name for s in scenarios),
            "national_effects": preview(
                scenario_gaps.filter(pl.col("year") == settings.end_year, pl.col("sector_group") == NATIONAL).select(
                    "scenario", "skill", "baseline_gap", "gap", "difference", "difference_lower", "difference_upper"
                ),
                rows=40,
            ),
            "largest_effect_per_scenario": preview(effects, rows=20),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["forecast", "skill_gaps_by_region"],
        metadata={
            "dagster/row_count": regional.height,
            "not_estimated": regional.filter(~pl.col("estimated")).height,
            "preview": preview(
                regional.filter(pl.col("year") == settings.end_year, pl.col("sector_group") == "digital_ai")
                .select("skill", "region", "region_share", "gap", "gap_lower", "gap_upper")
                .sort("skill", "gap", descending=[False, True]),
                rows=24,
            ),
        },
    )
    top = sensitivities.filter(pl.col("year") == settings.end_year, pl.col("rank") == 1)
    yield dg.MaterializeResult(
        asset_key=["forecast", "gap_sensitivities"],
        metadata={
            "dagster/row_count": sensitivities.height,
            "moves_most": preview(top.select("sector_group", "skill", "input", "gap_at_low", "gap_at_high"), rows=16),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["forecast", "reconciliation"],
        metadata={"dagster/row_count": reconciliation.height, "preview": preview(reconciliation, rows=20)},
    )


def _accuracy(errors: pl.DataFrame) -> pl.DataFrame:
    """Per skill: mean absolute error of the model and of no change, and the 80%/95% coverage."""
    return (
        errors.group_by("skill")
        .agg(
            (pl.col("observed") - pl.col("predicted")).abs().mean().round(0).alias("mae_model"),
            (pl.col("observed") - pl.col("baseline")).abs().mean().round(0).alias("mae_no_change"),
            pl.col("in_80").mean().round(3).alias("coverage_80"),
            pl.col("in_95").mean().round(3).alias("coverage_95"),
        )
        .sort("skill")
    )


def _lineage(marts: Marts, forecasts: pl.DataFrame, composition: pl.DataFrame) -> pl.DataFrame:
    """Per group, a JSON document naming each source table's vintage, the models of the forecast inputs and the
    composition rows used."""
    vintages = {role: getattr(marts, role).select("table_id", "vintage_id").unique().rows() for role in MART_ROLES}
    models = forecasts.select("series_id", "table_id", "model").unique()
    rows = []
    for group in composition["sector_group"].unique(maintain_order=True):
        # the regional split has its own lineage (skill_gaps_by_region): the national row does not use it
        parts = composition.filter(pl.col("sector_group") == group, pl.col("role") != "regional_vacancies")
        tables = set(parts["table_id"]) | {t for role in SHARED_ROLES for t, _ in vintages[role]}
        source_tables = {t: v for role in MART_ROLES for t, v in vintages[role] if t in tables}
        document = {
            "source_tables": dict(sorted(source_tables.items())),
            "input_forecast_models": dict(
                models.filter(pl.col("table_id").is_in(DRIVER_TABLES))
                .group_by("table_id")
                .agg(pl.col("model").unique().sort())
                .with_columns(pl.col("model").list.join(", "))
                .sort("table_id")
                .rows()
            ),
            "composition": parts.select("role", "table_id", "code", "weight", "source").to_dicts(),
            "seeds": list(SEEDS),
            "gap_model": GAP_MODEL,
        }
        rows.append((group, json.dumps(document, ensure_ascii=False)))
    return pl.DataFrame(rows, schema=["sector_group", "lineage"], orient="row")
