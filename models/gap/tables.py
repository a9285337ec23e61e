"""The gap step's warehouse tables, from the tables it reads: the gaps per group x skill x year with their intervals,
the model's backtest, calibration and parameters, the accuracy report, the scenarios, the tornado table, the
provinces and the reconciliation with reference figures, each with its lineage."""

from __future__ import annotations

import json
from collections.abc import Mapping

import polars as pl

from models.forecasting.forecast import accuracy_by_table
from models.gap.backtest import backtest_gaps, backtest_intervals
from models.gap.inputs import GAP_INPUT_TABLES, NATIONAL, Marts, marts_of, model_data
from models.gap.model import GAP_MODEL, accuracy_frame, calibration_frame, parameters_frame, simulate, simulations_frame
from models.gap.reconciliation import reconcile
from models.gap.regions import regional_frame, regional_split
from models.gap.scenarios import check_years, parameter_ranges, read_scenarios, scenario_frame
from models.gap.sensitivity import sensitivity_frame
from sources.registry import TABLES

REGIONAL_TABLES = ("marts.vacancies_by_region", "marts.employment_by_occupation_and_region")
# what each table is made from, by warehouse name: the lineage the Dagster UI draws (a table made from another of
# this step names that one, not its inputs again)
TABLE_INPUTS: dict[str, tuple[str, ...]] = {
    "gap_backtest": tuple(t for t in GAP_INPUT_TABLES if t != "forecast.series_forecasts"),
    "gap_calibration": tuple(t for t in GAP_INPUT_TABLES if t != "forecast.series_forecasts"),
    "gap_parameters": ("forecast.gap_calibration",),
    "skill_gaps": (
        "forecast.gap_calibration",
        "forecast.gap_backtest",
        "forecast.series_forecasts",
        "seeds.sector_groups",
        "seeds.group_composition",
    ),
    "accuracy": ("forecast.gap_backtest", "forecast.backtest", "forecast.series_forecasts"),
    "skill_gaps_scenarios": ("forecast.skill_gaps", "seeds.scenarios", "seeds.parameters"),
    "gap_sensitivities": ("forecast.skill_gaps", "forecast.gap_backtest", "seeds.parameters"),
    "skill_gaps_by_region": ("forecast.skill_gaps", *REGIONAL_TABLES, "seeds.group_composition"),
    "reconciliation": ("forecast.skill_gaps", "seeds.reference_figures"),
}
GAP_TABLES = tuple(TABLE_INPUTS)
# every table the step reads from outside itself
STEP_INPUTS = tuple(
    dict.fromkeys(
        t for inputs in TABLE_INPUTS.values() for t in inputs if t.removeprefix("forecast.") not in GAP_TABLES
    )
)
# the marts whose forecasts the account reads (school-leavers and the unemployed)
DRIVER_ROLES = ("mbo_graduates_by_field", "higher_education_enrolment_by_field", "unemployment")
DRIVER_TABLES = tuple(spec.table_id for spec in TABLES if spec.role in DRIVER_ROLES)
# what the step reads, in SQL: every input whole, but of the series forecasts only those of the tables the account
# reads, and of every series the two numbers the accuracy report needs (at a hundred times the series the whole
# table was the step's largest frame)
STEP_QUERIES = {name: f"select * from {name}" for name in STEP_INPUTS} | {
    "forecast.series_forecasts": "select * from forecast.series_forecasts where table_id in ("
    + ", ".join(f"'{table}'" for table in DRIVER_TABLES)
    + ")",
    "series_accuracy": "select distinct series_id, model_mase, best_baseline_mase from forecast.series_forecasts",
}
# the marts every group's numbers come from besides its own composition
SHARED_ROLES = (
    *DRIVER_ROLES,
    "employment_by_occupation",
    "new_vacancies_by_occupation_and_sector",
    "employment_by_age",
)
NATIONAL_NAMES = (NATIONAL, "Nederland (alle sectoren)", "Netherlands (all sectors)", "national")


def gap_tables(tables: Mapping[str, pl.DataFrame], end_year: int, seed_names: list[str]) -> dict[str, pl.DataFrame]:
    """Every table of GAP_TABLES from `tables` (what STEP_QUERIES read, by name). `seed_names`: the seeds the
    lineage says the numbers rest on."""
    seeds = {name.removeprefix("seeds."): frame for name, frame in tables.items() if name.startswith("seeds.")}
    forecasts = tables["forecast.series_forecasts"]
    marts = marts_of(tables)
    data = model_data(tables)
    errors = backtest_intervals(backtest_gaps(data))
    simulations = simulate(data, errors, end_year)
    table, units = simulations_frame(simulations), [s.unit for s in simulations]
    ranges = parameter_ranges(seeds["parameters"])
    scenarios = read_scenarios(seeds["scenarios"], seeds["sector_groups"]["sector_group"].to_list())
    check_years(scenarios, data.last_year, end_year)
    source = pl.lit(forecasts["data_source"][0]).alias("data_source")
    groups = seeds["sector_groups"].select("sector_group", "sector_group_nl", "sector_group_en", "kind")
    group_lineage = _lineage(marts, forecasts, seeds["group_composition"], seed_names)
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
        .with_columns(pl.lit(GAP_MODEL).alias("gap_model"), source)
        .sort("sector_group", "skill", "year")
    )
    # the scenarios and the tornado carry the national units too: the whole economy's effect, named as such
    names = pl.concat([groups, pl.DataFrame([NATIONAL_NAMES], schema=groups.columns, orient="row")])
    lineage = group_lineage.join(names, on="sector_group").with_columns(pl.lit(GAP_MODEL).alias("gap_model"))
    regional_vintages = {
        table_id: vintage
        for name in REGIONAL_TABLES
        for table_id, vintage in tables[name].select("table_id", "vintage_id").unique().rows()
    }
    split = regional_split(
        tables["marts.vacancies_by_region"],
        tables["marts.employment_by_occupation_and_region"],
        data.skill_employment,
        seeds["group_composition"],
        data.last_year,
    )
    outputs = {
        "skill_gaps": gaps,
        "gap_backtest": errors,
        "gap_calibration": calibration_frame(units),
        "gap_parameters": parameters_frame(units),
        "accuracy": accuracy_frame(errors, accuracy_by_table(tables["series_accuracy"], tables["forecast.backtest"])),
        "reconciliation": reconcile(table, units, data, seeds["reference_figures"]),
        "skill_gaps_scenarios": scenario_frame(simulations, data, scenarios, ranges).join(lineage, on="sector_group"),
        "gap_sensitivities": sensitivity_frame(simulations, data, errors, ranges).join(
            lineage.drop("lineage"), on="sector_group"
        ),
        "skill_gaps_by_region": regional_frame(gaps, split, seeds["group_composition"], regional_vintages),
    }
    return {name: frame if name == "skill_gaps" else frame.with_columns(source) for name, frame in outputs.items()}


def _lineage(marts: Marts, forecasts: pl.DataFrame, composition: pl.DataFrame, seed_names: list[str]) -> pl.DataFrame:
    """Per group, a JSON document naming each source table's vintage, the models of the forecast inputs and the
    composition rows used."""
    roles = list(Marts.__dataclass_fields__)
    vintages = {role: getattr(marts, role).select("table_id", "vintage_id").unique().rows() for role in roles}
    models = forecasts.select("series_id", "table_id", "model").unique()
    rows = []
    for group in composition["sector_group"].unique(maintain_order=True):
        # the regional split has its own lineage (skill_gaps_by_region): the national row does not use it
        parts = composition.filter(pl.col("sector_group") == group, pl.col("role") != "regional_vacancies")
        tables = set(parts["table_id"]) | {t for role in SHARED_ROLES for t, _ in vintages[role]}
        source_tables = {t: v for role in roles for t, v in vintages[role] if t in tables}
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
            "seeds": seed_names,
            "gap_model": GAP_MODEL,
        }
        rows.append((group, json.dumps(document, ensure_ascii=False)))
    return pl.DataFrame(rows, schema=["sector_group", "lineage"], orient="row")
