"""Great Expectations suites as Dagster asset checks: one check result per expectation, at every layer.

Blocking checks stop every downstream asset, so a failure means nothing new is published.
"""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

from assets.raw import raw_asset_key
from assets.resources import TalentgapSettings, WarehouseResource
from quality.gx import WARNING_ONLY, Outcome, validate
from quality.report import write_section
from quality.suites import (
    CHECK_DESCRIPTIONS,
    FORECAST_CHECKS,
    MARTS_CHECKS,
    RAW_CHECKS,
    STAGING_CHECKS,
    forecast_suite,
    marts_suite,
    raw_suite,
    staging_suite,
)
from sources.registry import TABLES
from warehouse.audit import current_checks, record_checks
from warehouse.db import newest_vintages, read_table, read_vintage
from warehouse.paths import WarehousePaths

MART_ROLES = [spec.role for spec in TABLES]
STAGING = dg.AssetKey(["staging", "observations"])
FORECASTS = dg.AssetKey(["forecast", "series_forecasts"])
GAPS = dg.AssetKey(["forecast", "skill_gaps"])

# which asset each marts check is reported on
MARTS_CHECK_ASSETS = {
    "sectors_add_up_to_total": dg.AssetKey(["marts", "employment_by_sector"]),
    "sectors_near_total": dg.AssetKey(["marts", "employment_by_sector"]),
    "employment_totals_agree": dg.AssetKey(["marts", "employment_by_occupation"]),
    "year_on_year_jumps": dg.AssetKey(["marts", "employment_by_sector"]),
    "occupation_crosswalk_covers_data": dg.AssetKey(["marts", "new_vacancies_by_occupation_and_sector"]),
    "education_crosswalk_covers_data": dg.AssetKey(["marts", "mbo_graduates_by_field"]),
    "group_composition_codes_found": dg.AssetKey(["seeds", "group_composition"]),
}


def check_spec(name: str, asset: dg.AssetKey, **kwargs) -> dg.AssetCheckSpec:
    severity = "blocking" if name not in WARNING_ONLY else "warning"
    return dg.AssetCheckSpec(
        name,
        asset=asset,
        blocking=name not in WARNING_ONLY,
        description=f"{CHECK_DESCRIPTIONS[name]} ({severity})",
        **kwargs,
    )


def check_results(outcomes: list[tuple[dg.AssetKey, Outcome]], report: Path) -> Iterator[dg.AssetCheckResult]:
    for asset, o in outcomes:
        yield dg.AssetCheckResult(
            asset_key=asset,
            check_name=o.check,
            passed=o.success,
            severity=dg.AssetCheckSeverity.ERROR if o.blocking else dg.AssetCheckSeverity.WARN,
            description=o.summary[:1000],
            metadata={
                "expectation": o.description,
                "observed": o.observed[:1000],
                "unexpected_count": o.unexpected_count,
                "unexpected_sample": dg.MetadataValue.json(o.unexpected_sample[:20]),
                "severity": "blocking" if o.blocking else "warning",
                "report": dg.MetadataValue.path(str(report)),
            },
        )


def layer_line(outcomes: list[tuple[dg.AssetKey, Outcome]], reused: list[tuple[dg.AssetKey, Outcome]] = ()) -> str:
    """The layer's checks in one console line: how many ran and passed, what failed."""
    failed = [(f"{o.check} ({key.to_user_string()})", o.blocking) for key, o in outcomes if not o.success]
    blocking = sorted({name for name, blocks in failed if blocks})
    warnings = sorted({name for name, blocks in failed if not blocks})
    line = f"{len(outcomes)} checks evaluated, {sum(o.success for _, o in outcomes)} passed"
    if reused:
        line += f" ({len(reused)} more stand from earlier runs)"
    if blocking:
        line += "; FAILED, blocking: " + ", ".join(blocking)
    if warnings:
        line += "; failed, warning only: " + ", ".join(warnings)
    return line


def report_checks(
    context: dg.AssetCheckExecutionContext | dg.AssetExecutionContext,
    settings: TalentgapSettings,
    duckdb: WarehouseResource,
    layer: str,
    outcomes: list[tuple[dg.AssetKey, Outcome]],
    reused: list[tuple[dg.AssetKey, Outcome]] = (),
) -> Iterator[dg.AssetCheckResult]:
    """Write the layer's report, note the results evaluated in this run in the warehouse's audit (the publication
    gate reads it) and yield the results of the checks the run selected (a run of one asset selects only its
    checks); `reused` results stand from an earlier run and are reported, not noted again."""
    selected = context.selected_asset_check_keys
    outcomes = [(key, o) for key, o in outcomes if dg.AssetCheckKey(key, o.check) in selected]
    with duckdb.get_connection() as conn:
        record_checks(
            conn, context.run.run_id, [(key.to_user_string(), o.check, o.blocking, o.success) for key, o in outcomes]
        )
    every = [*outcomes, *reused]
    folder = WarehousePaths.of(settings.warehouse).run_reports(context.run.run_id).resolve()
    report = write_section(folder, layer, [(key.to_user_string(), o) for key, o in every])
    if outcomes:
        context.log.info(layer_line(outcomes, reused))
    yield from check_results(every, report)


def split_unchanged(
    context: dg.AssetCheckExecutionContext, duckdb: WarehouseResource, reads: dict[dg.AssetKey, list[dg.AssetKey]]
) -> tuple[set[dg.AssetKey], list[tuple[dg.AssetKey, Outcome]]]:
    """The checked assets whose checks must be evaluated, and the results that stand for the others: checks
    evaluated since every table they read (`reads`, per checked asset) was last written need not run again."""
    wanted: dict[dg.AssetKey, set[str]] = {}
    for key in context.selected_asset_check_keys:
        wanted.setdefault(key.asset_key, set()).add(key.name)
    stale, reused = set(), []
    with duckdb.get_connection() as conn:
        for asset, names in wanted.items():
            inputs = [key.to_user_string() for key in reads[asset]]
            prior = {row[0]: row[1:] for row in current_checks(conn, asset.to_user_string(), inputs)}
            if not names <= prior.keys():
                stale.add(asset)
                continue
            for name in sorted(names):
                blocking, passed, run_id = prior[name]
                observed = f"not evaluated again: what it checks is unchanged since run {run_id} evaluated it"
                reused.append((asset, Outcome(name, CHECK_DESCRIPTIONS[name], blocking, passed, observed, 0, [])))
    return stale, reused


@dg.multi_asset_check(
    specs=[check_spec(name, raw_asset_key(spec)) for spec in TABLES for name in RAW_CHECKS],
    description="Raw: registered columns as text, the announced row count, no empty table.",
    can_subset=True,
)
def raw_checks(context: dg.AssetCheckExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource):
    stale, reused = split_unchanged(context, duckdb, {raw_asset_key(spec): [raw_asset_key(spec)] for spec in TABLES})
    outcomes = []
    with duckdb.get_connection() as conn:
        vintages = {v["table_id"]: v for v in newest_vintages(conn, settings.source).iter_rows(named=True)}
        for spec in (spec for spec in TABLES if raw_asset_key(spec) in stale):
            vintage = vintages.get(spec.table_id)
            frame = (
                read_vintage(conn, spec.table_id, vintage["vintage_id"])
                if vintage
                else pl.DataFrame(schema={**dict.fromkeys(spec.columns, pl.String), "source_row": pl.Int64})
            )
            expected = vintage["rows_expected"] if vintage else None
            outcomes += [(raw_asset_key(spec), o) for o in validate(raw_suite(spec, frame, expected))]
    yield from report_checks(context, settings, duckdb, "1_raw", outcomes, reused)


@dg.multi_asset_check(
    specs=[check_spec(name, STAGING) for name in STAGING_CHECKS],
    description="Staging: unique keys, parsed periods, plausible values, no internal gaps, known dimension labels.",
    can_subset=True,
)
def staging_checks(context: dg.AssetCheckExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource):
    stale, reused = split_unchanged(context, duckdb, {STAGING: [STAGING]})
    outcomes = []
    if stale:
        with duckdb.get_connection() as conn:
            observations = read_table(conn, "staging.observations")
        outcomes = [(STAGING, o) for o in validate(staging_suite(observations, list(TABLES)))]
    yield from report_checks(context, settings, duckdb, "2_staging", outcomes, reused)


MARTS_CHECK_SEEDS = ("group_composition", "occupation_skills", "education_skills", "sbi_hierarchy")
MARTS_CHECK_READS = [
    *(dg.AssetKey(["marts", r]) for r in MART_ROLES),
    *(dg.AssetKey(["seeds", n]) for n in MARTS_CHECK_SEEDS),
]


@dg.multi_asset_check(
    specs=[
        check_spec(
            name,
            MARTS_CHECK_ASSETS[name],
            additional_deps=[key for key in MARTS_CHECK_READS if key != MARTS_CHECK_ASSETS[name]],
        )
        for name in MARTS_CHECKS
    ],
    description="Marts: sectors add up, year-on-year jumps, crosswalks cover the data, group codes exist.",
    can_subset=True,
)
def marts_checks(context: dg.AssetCheckExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource):
    stale, reused = split_unchanged(context, duckdb, dict.fromkeys(MARTS_CHECK_ASSETS.values(), MARTS_CHECK_READS))
    outcomes = []
    if stale:  # the suite reads every mart: all its checks run together
        reused = []
        with duckdb.get_connection() as conn:
            marts = {role: read_table(conn, f"marts.{role}") for role in MART_ROLES}
            seeds = {n: read_table(conn, f"seeds.{n}") for n in MARTS_CHECK_SEEDS}
        suites = marts_suite(
            marts,
            seeds["group_composition"],
            seeds["occupation_skills"],
            seeds["education_skills"],
            seeds["sbi_hierarchy"],
        )
        outcomes = [(MARTS_CHECK_ASSETS[name], o) for name, suite in suites.items() for o in validate(suite)]
    yield from report_checks(context, settings, duckdb, "3_marts", outcomes, reused)


COHERENCE = dg.AssetKey(["forecast", "coherence"])


@dg.multi_asset_check(
    specs=[check_spec(name, FORECASTS, additional_deps=[COHERENCE]) for name in FORECAST_CHECKS],
    description=(
        "Forecasts: lower <= point <= upper at 80% and 95%, no negative counts, horizon complete, sectors that add "
        "up to their parent's."
    ),
    can_subset=True,
)
def forecast_checks(context: dg.AssetCheckExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource):
    stale, reused = split_unchanged(context, duckdb, {FORECASTS: [FORECASTS, COHERENCE]})
    outcomes = []
    if stale:
        with duckdb.get_connection() as conn:
            forecasts = read_table(conn, "forecast.series_forecasts")
            coherence = read_table(conn, "forecast.coherence")
        outcomes = [(FORECASTS, o) for o in validate(forecast_suite(forecasts, settings.end_year, coherence))]
    yield from report_checks(context, settings, duckdb, "4_forecast", outcomes, reused)


# asset -> its blocking checks, for the publication gate (warehouse/audit.py)
BLOCKING_CHECKS: dict[str, set[str]] = {}
for _check in (raw_checks, staging_checks, marts_checks, forecast_checks):
    for _check_spec in _check.check_specs:
        if _check_spec.blocking:
            BLOCKING_CHECKS.setdefault(_check_spec.asset_key.to_user_string(), set()).add(_check_spec.name)
