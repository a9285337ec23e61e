"""Publish layer: the tables the progress letter uses, their exports and a read-only copy for analysts (release/)."""

import dataclasses
from collections.abc import Iterator

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from assets.checks import BLOCKING_CHECKS, check_spec, report_checks
from assets.metadata import asset_key, only_selected, preview
from assets.resources import TalentgapSettings, WarehouseResource
from models.gap.inputs import GapInputError
from models.gap.model import history_frame
from models.gap.population import labour_supply
from quality.gx import Outcome, validate
from quality.suites import (
    CHECK_DESCRIPTIONS,
    PUBLISH_CHECKS,
    labour_supply_suite,
    publish_suite,
    release_table_suites,
)
from release.identity import fingerprint, new_release_id, release_inputs
from release.publish import (
    PUBLISHED_TABLES,
    CopyNotUpdated,
    latest_release,
    publish_release,
    recover,
    withdrawn_fingerprints,
)
from release.summary import run_summary
from release.tables import FROM_GAP_STEP, REGIONAL, checks_table, no_new_release, release_row, release_tables
from rendering.report import REPORT_NAME
from warehouse.audit import unverified_inputs, verified_check_results
from warehouse.db import SEED_NAMES, read_table
from warehouse.paths import WarehousePaths

PUBLISHED = dg.AssetKey(["publish", "skill_gaps"])
# what the gate's check of the labour supply against the population reads besides the gaps
LABOUR_SUPPLY_INPUTS = ("marts.population_projection", "marts.employment_by_age")
# the vintages a release is made from: those staging read
VINTAGES_SQL = """
select vintage_id, table_id, data_source, location, retrieved_at, table_modified, table_infos, first_period,
    last_period, rows_received, content_hash
from raw.vintages where vintage_id in (select distinct vintage_id from staging.observations)
order by table_id
"""
DESCRIPTIONS = {
    "history": (
        "The observed years behind each release's charts, per group x skill: employment, demand and the gap (open "
        "vacancies at year end), as the stock-flow account was calibrated on them."
    ),
    "checks": (
        "The data-quality results each release rests on: every check of the data it was made from, as evaluated in "
        "the run that wrote that data, and the publication gate's own checks."
    ),
    "releases": "One row per release: when, from which source vintages, with which code version.",
    "parameters": "The gap model's named assumptions as used by each release, with source and year.",
    "gap_parameters": (
        "The rates each release calibrated per group x skill (other entrants, demand and employment growth) with "
        "their mean, spread, minimum and maximum over the calibration years."
    ),
    "accuracy": (
        "Each release's accuracy against the baselines: the gap model per skill (backtest from earlier base years "
        "against no change) and the input forecasts per CBS table (MASE against the best baseline)."
    ),
    "reconciliation": (
        "Each release's national totals and group sizes beside the reference figures (CBS, UWV, EZK, sector bodies), "
        "the definition on each side and the difference in %."
    ),
    "skill_gaps_scenarios": (
        "Each release's policy scenarios (seeds/scenarios): per scenario x group x skill x year the gap with its "
        "intervals and the difference from the baseline with its intervals. The baseline's rows equal "
        "publish.skill_gaps."
    ),
    "gap_sensitivities": (
        "Each release's tornado table: what each published gap rests on, the inputs ranked by how far they move it "
        "over their range."
    ),
    "skill_gaps_by_region": (
        "Each release's gaps per province: every group x skill x year of publish.skill_gaps shared over the twelve "
        "provinces (the provinces add up to the national row), with the basis of the split."
    ),
}
# what each published table is made from
SOURCES = {
    "history": ["forecast.gap_calibration"],
    "checks": ["forecast.skill_gaps"],
    "releases": ["forecast.skill_gaps"],
    "parameters": ["seeds.parameters"],
    **{name: [f"forecast.{name}"] for name in (*FROM_GAP_STEP, REGIONAL)},
}


def _spec(name: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["publish", name],
        group_name="publish",
        kinds={"duckdb"},
        deps=[asset_key(table) for table in SOURCES[name]],
        description=DESCRIPTIONS[name],
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PUBLISHED,
            group_name="publish",
            kinds={"duckdb"},
            deps=[
                asset_key(table)
                for table in ("forecast.skill_gaps", "seeds.sector_groups", *LABOUR_SUPPLY_INPUTS, "seeds.parameters")
            ],
            description=(
                "The gap table for the progress letter: one row per release x priority group x skill x year, in "
                "persons, with its components, an 80% interval and the lineage of its numbers. All releases are kept; "
                "publish.latest_skill_gaps shows the newest. Its checks are the publication gate: they run on the "
                "rows about to be published, before anything becomes visible, and a blocking failure publishes "
                "nothing. Each release's exports hold the letter's workbook, its tables as CSV, the release report "
                "(report.html) and its charts."
            ),
        ),
        *(_spec(name) for name in PUBLISHED_TABLES if name != "skill_gaps"),
    ],
    check_specs=[check_spec(name, PUBLISHED) for name in PUBLISH_CHECKS],
    can_subset=True,
)
def publish(context: AssetExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource):
    outcome: dict[str, str] = {}
    yield from only_selected(context, _publish(context, settings, duckdb, outcome))
    with duckdb.get_connection() as conn:
        summary = run_summary(conn, context.run.run_id, WarehousePaths.of(settings.warehouse), outcome.get("same_as"))
    context.log.info(summary)


def _publish(
    context: AssetExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource, outcome: dict[str, str]
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Publish a new release, or note in `outcome` why there is none."""
    paths = WarehousePaths.of(settings.warehouse)
    with duckdb.get_connection() as conn:
        refused = unverified_inputs(conn, BLOCKING_CHECKS)
        if refused:
            raise dg.Failure(
                "publication refused: every blocking check must have passed in the run that wrote the data it checks\n"
                + "\n".join(refused)
                + "\nRerun the assets named (their checks run with them), or the whole pipeline."
            )
        vintages = conn.sql(VINTAGES_SQL).pl()
        seeds = {name: read_table(conn, f"seeds.{name}") for name in SEED_NAMES}
        previous, withdrawn = latest_release(conn), withdrawn_fingerprints(conn)
    inputs = release_inputs(vintages, seeds, settings.end_year)
    same_as = no_new_release(previous, withdrawn, fingerprint(inputs), vintages["data_source"][0])
    if same_as:
        with duckdb.get_connection() as conn:
            try:
                recover(conn, paths)
            except CopyNotUpdated as stale:
                outcome["copy_problem"] = str(stale)
            standing = _standing_gate(conn, context, previous)
        outcome["same_as"] = same_as
        for name in PUBLISHED_TABLES:
            metadata = {"release_id": previous["release_id"], "new_release": False}
            if name == "skill_gaps":  # the release that stands, linked as when it was made
                metadata |= release_links(paths, previous["release_id"])
            yield dg.MaterializeResult(asset_key=["publish", name], metadata=metadata)
        if len(standing) == len(context.selected_asset_check_keys):
            yield from report_checks(context, settings, duckdb, "5_publish", [], standing)
        else:  # a release from before one of the gate's checks: evaluate them all on what the gap step made
            yield from report_checks(context, settings, duckdb, "5_publish", _gate(duckdb, seeds, settings)[2])
        _fail_on_stale_copy(outcome)
        return
    tables, history, outcomes = _gate(duckdb, seeds, settings)
    gaps = tables["skill_gaps"]
    gate_results = list(report_checks(context, settings, duckdb, "5_publish", outcomes))
    outcomes = [o for _, o in outcomes]
    failed = [o.summary for o in outcomes if o.blocking and not o.success]
    if failed:
        yield from gate_results
        raise dg.Failure("publication refused: the gap table fails its publication checks\n" + "\n".join(failed))
    release_id, data_source = new_release_id(), gaps["data_source"][0]
    with duckdb.get_connection() as conn:
        checks = checks_table(
            verified_check_results(conn),
            [(PUBLISHED.to_user_string(), o.check, o.blocking, o.success, o.observed) for o in outcomes],
            CHECK_DESCRIPTIONS,
            release_id,
            data_source,
        )
    release = release_row(release_id, gaps, vintages, inputs, previous)
    published_tables = release_tables(tables, history, checks, release, seeds["parameters"])
    with duckdb.get_connection() as conn:
        published_release = publish_release(conn, published_tables, paths)
    published = published_tables["skill_gaps"]
    key_years = published.filter(pl.col("year").is_in([published["base_year"][0], published["year"].max()]))
    yield dg.MaterializeResult(
        asset_key=PUBLISHED,
        metadata={
            "dagster/row_count": published.height,
            "release_id": release_id,
            "data_source": data_source,
            **release_links(paths, release_id),
            "analysts_copy": published_release.copy_problem or "up to date",
            "preview": preview(
                key_years.select(
                    "sector_group", "skill", "year", "gap", "gap_lower", "gap_upper", "supply_demand_ratio"
                ),
                rows=32,
            ),
        },
    )
    yield from gate_results
    for name, frame in published_tables.items():
        if name == "skill_gaps":
            continue
        metadata = {"release_id": release_id} if name == "releases" else {"dagster/row_count": frame.height}
        if name == "reconciliation":
            metadata["preview"] = preview(frame, rows=25)
        yield dg.MaterializeResult(asset_key=["publish", name], metadata=metadata)
    if published_release.copy_problem:
        outcome["copy_problem"] = published_release.copy_problem
    _fail_on_stale_copy(outcome)


def release_links(paths: WarehousePaths, release_id: str) -> dict[str, dg.MetadataValue]:
    """Where a release's exports, report and workbook are, for the UI."""
    folder = paths.release_folder(release_id)
    return {
        "exports": dg.MetadataValue.path(str(folder)),
        "report": dg.MetadataValue.url((folder / REPORT_NAME).resolve().as_uri()),
        "workbook": dg.MetadataValue.path(str(folder / f"talentgap_{release_id}.xlsx")),
    }


def _fail_on_stale_copy(outcome: dict[str, str]) -> None:
    """After the release is recorded as published: a run whose analysts' copy is stale fails, saying the release is
    published and what to fix, so the stale copy is seen (the UI, alerts) without reading as a lost release."""
    if "copy_problem" in outcome:
        raise dg.Failure(outcome["copy_problem"])


def _gate(
    duckdb: WarehouseResource, seeds: dict[str, pl.DataFrame], settings: TalentgapSettings
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, list[tuple[dg.AssetKey, Outcome]]]:
    """The gap step's tables a release takes, its history, and the publication gate's checks on them."""
    with duckdb.get_connection() as conn:
        tables = {name: read_table(conn, f"forecast.{name}") for name in ("skill_gaps", *FROM_GAP_STEP, REGIONAL)}
        history = history_frame(read_table(conn, "forecast.gap_calibration"))
        projection, by_age = (read_table(conn, name) for name in LABOUR_SUPPLY_INPUTS)
    gaps, groups = tables["skill_gaps"], seeds["sector_groups"]["sector_group"].to_list()
    outcomes = validate(publish_suite(gaps, groups, settings.end_year))
    for suite in release_table_suites(gaps, tables["skill_gaps_scenarios"], tables[REGIONAL]):
        outcomes += validate(suite)
    outcomes += _labour_supply_outcomes(gaps, projection, by_age, seeds["parameters"], settings.end_year)
    return tables, history, [(PUBLISHED, o) for o in outcomes]


def _labour_supply_outcomes(
    gaps: pl.DataFrame, projection: pl.DataFrame, by_age: pl.DataFrame, parameters: pl.DataFrame, end_year: int
) -> list[Outcome]:
    """The warning on the labour supply, its end year's finding as what it observed (the figures reach the UI, the
    run's report and publish.checks); inputs it cannot use fail the warning, saying why, and block nothing."""
    name = "labour_supply_within_population"
    try:
        supply = labour_supply(gaps, projection, by_age, parameters, end_year)
    except GapInputError as problem:
        return [Outcome(name, CHECK_DESCRIPTIONS[name], False, False, f"not evaluated: {problem}", 0, [])]
    if supply.is_empty():
        observed = f"not evaluated: no projected year up to {end_year} has a population projection (85745NED)"
        return [Outcome(name, CHECK_DESCRIPTIONS[name], False, False, observed, 0, [])]
    return [dataclasses.replace(o, observed=supply["finding"][0]) for o in validate(labour_supply_suite(supply))]


def _standing_gate(conn, context: AssetExecutionContext, latest: dict) -> list[tuple[dg.AssetKey, Outcome]]:
    """The publication gate's results the release that stays rests on (publish.checks), for a run that publishes
    nothing: no rows are about to be published, so there is nothing to evaluate again."""
    rows = conn.execute(
        "select check_name, blocking, passed from publish.checks where release_id = ? and asset_key = ?",
        [latest["release_id"], PUBLISHED.to_user_string()],
    ).fetchall()
    known = {name: (blocking, passed) for name, blocking, passed in rows}
    observed = f"not evaluated again: no new release; release {latest['release_id']} stays, which passed it"
    return [
        (PUBLISHED, Outcome(key.name, CHECK_DESCRIPTIONS[key.name], *known[key.name], observed, 0, []))
        for key in sorted(context.selected_asset_check_keys, key=lambda key: key.name)
        if key.name in known
    ]
