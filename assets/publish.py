"""Publish layer: the tables the progress letter uses, their exports and a read-only copy for analysts."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext
from dagster_duckdb import DuckDBResource

from assets.checks import BLOCKING_CHECKS, check_spec, report_checks
from assets.metadata import only_selected, preview
from assets.seeds import SEEDS
from models.gap_model import history_frame
from pipelines.resources import TalentgapSettings
from quality.gx import Outcome, validate
from quality.suites import CHECK_DESCRIPTIONS, PUBLISH_CHECKS, publish_suite, release_table_suites
from warehouse.audit import unverified_inputs, verified_check_results
from warehouse.db import read_table
from warehouse.publish import PUBLISHED_TABLES, latest_release, publish_release, recover, withdrawn_fingerprints
from warehouse.release import (
    CBS_CREDIT,
    SYNTHETIC_CREDIT,
    changes,
    code_version,
    describe_changes,
    fingerprint,
    release_inputs,
)
from warehouse.release_report import REPORT_NAME

PUBLISHED_COLUMNS = (
    "release_id",
    "data_source",
    "sector_group",
    "sector_group_nl",
    "sector_group_en",
    "kind",
    "skill",
    "year",
    "base_year",
    "observed",
    "demand",
    "supply",
    "gap",
    "gap_lower",
    "gap_upper",
    "gap_lower_95",
    "gap_upper_95",
    "normal_gap",
    "structural_gap",
    "supply_demand_ratio",
    "ratio_class",
    "employment",
    "employment_lower",
    "employment_upper",
    "skill_share",
    "skill_share_lower",
    "skill_share_upper",
    "skill_share_published",
    "skill_share_basis",
    "expansion_demand",
    "replacement_demand",
    "school_leaver_inflow",
    "unemployed_inflow",
    "other_entrants",
    "openings_since_base",
    "entrants_since_base",
    "outflow_rate",
    "other_entrant_rate",
    "other_entrant_rate_calibrated",
    "demand_growth",
    "employment_growth",
    "hires_share",
    "normal_ratio",
    "allocated",
    "gap_model",
    "lineage",
)
GAPS = dg.AssetKey(["forecast", "skill_gaps"])

PUBLISHED = dg.AssetKey(["publish", "skill_gaps"])
SECTOR_GROUPS = dg.AssetKey(["seeds", "sector_groups"])


def _published(name: str, dep: dg.AssetKey, description: str) -> dg.AssetSpec:
    """A table published beside the gaps, made from `dep`."""
    return dg.AssetSpec(["publish", name], group_name="publish", kinds={"duckdb"}, deps=[dep], description=description)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PUBLISHED,
            group_name="publish",
            kinds={"duckdb"},
            deps=[GAPS, SECTOR_GROUPS],
            description=(
                "The gap table for the progress letter: one row per release x priority group x skill x year, in "
                "persons, with its components, an 80% interval and the lineage of its numbers. All releases are kept; "
                "publish.latest_skill_gaps shows the newest. Its checks are the publication gate: they run on the "
                "rows about to be published, before anything becomes visible, and a blocking failure publishes "
                "nothing. Each release's exports hold the letter's workbook, its tables as CSV, the release report "
                "(report.html) and its charts."
            ),
        ),
        _published(
            "history",
            dg.AssetKey(["forecast", "gap_calibration"]),
            (
                "The observed years behind each release's charts, per group x skill: employment, demand and the gap "
                "(open vacancies at year end), as the stock-flow account was calibrated on them."
            ),
        ),
        _published(
            "checks",
            GAPS,
            (
                "The data-quality results each release rests on: every check of the data it was made from, as "
                "evaluated in the run that wrote that data, and the publication gate's own checks."
            ),
        ),
        _published("releases", GAPS, "One row per release: when, from which source vintages, with which code version."),
        _published(
            "parameters",
            dg.AssetKey(["seeds", "parameters"]),
            "The gap model's named assumptions as used by each release, with source and year.",
        ),
        _published(
            "gap_parameters",
            dg.AssetKey(["forecast", "gap_parameters"]),
            (
                "The rates each release calibrated per group x skill (other entrants, demand and employment growth) "
                "with their mean, spread, minimum and maximum over the calibration years."
            ),
        ),
        _published(
            "accuracy",
            dg.AssetKey(["forecast", "accuracy"]),
            (
                "Each release's accuracy against the baselines: the gap model per skill (backtest from earlier base "
                "years against no change) and the input forecasts per CBS table (MASE against the best baseline)."
            ),
        ),
        _published(
            "reconciliation",
            dg.AssetKey(["forecast", "reconciliation"]),
            (
                "Each release's national totals and group sizes beside the reference figures (CBS, UWV, EZK, sector "
                "bodies), the definition on each side and the difference in %."
            ),
        ),
        _published(
            "skill_gaps_scenarios",
            dg.AssetKey(["forecast", "skill_gaps_scenarios"]),
            (
                "Each release's policy scenarios (seeds/scenarios): per scenario x group x skill x year the gap with "
                "its intervals and the difference from the baseline with its intervals. The baseline's rows equal "
                "publish.skill_gaps."
            ),
        ),
        _published(
            "gap_sensitivities",
            dg.AssetKey(["forecast", "gap_sensitivities"]),
            (
                "Each release's tornado table: what each published gap rests on, the inputs ranked by how far they "
                "move it over their range."
            ),
        ),
        _published(
            "skill_gaps_by_region",
            dg.AssetKey(["forecast", "skill_gaps_by_region"]),
            (
                "Each release's gaps per province: every group x skill x year of publish.skill_gaps shared over the "
                "twelve provinces (the provinces add up to the national row), with the basis of the split."
            ),
        ),
    ],
    check_specs=[check_spec(name, PUBLISHED) for name in PUBLISH_CHECKS],
    can_subset=True,
)
def publish(context: AssetExecutionContext, settings: TalentgapSettings, duckdb: DuckDBResource):
    yield from only_selected(context, _publish(context, settings, duckdb))
    with duckdb.get_connection() as conn:
        context.log.info(run_summary(conn, context.run.run_id, settings))


def run_summary(conn, run_id: str, settings: TalentgapSettings) -> str:
    """What the run did, in a few lines: the release, where its files are, and the warnings that failed."""
    release = latest_release(conn)
    folder = Path(settings.warehouse).parent
    exports = (folder / "exports" / release["release_id"]).resolve()
    made = conn.execute("select max(release_id) from forecast.skill_gaps").fetchone()[0]
    warnings = conn.execute(
        "select check_name || ' (' || asset_key || ')' from audit.checks "
        "where run_id = ? and not blocking and not passed order by 1",
        [run_id],
    ).fetchall()
    headline = (
        f"release {release['release_id']} published ({release['data_source']}, base year {release['base_year']}). "
        f"{release.get('changes_summary') or ''}"
        if made == release["release_id"]
        else f"no new release: {release['release_id']} stays the latest (same inputs and code)"
    )
    return "\n".join(
        [
            headline,
            f"  release report:  {exports / REPORT_NAME}",
            f"  workbook:        {exports / ('talentgap_' + release['release_id'] + '.xlsx')}",
            f"  CSV and Parquet: {exports}",
            f"  published copy:  {_published_path(settings).resolve()}",
            f"  checks report:   {(folder / 'reports' / run_id / 'report.html').resolve()}",
            "  warnings that failed: " + (", ".join(w for (w,) in warnings) or "none"),
        ]
    )


def _gate(
    context: AssetExecutionContext,
    settings: TalentgapSettings,
    duckdb: DuckDBResource,
    gaps: pl.DataFrame,
    scenarios: pl.DataFrame,
    regional: pl.DataFrame,
) -> tuple[list[Outcome], list[dg.AssetCheckResult]]:
    """The publication gate's checks on the rows about to be published (the gaps, their scenarios and provinces):
    noted in the audit and the run's validation report like every layer's, returned with their Dagster results."""
    with duckdb.get_connection() as conn:
        groups = read_table(conn, "seeds.sector_groups")["sector_group"].to_list()
    outcomes = validate(publish_suite(gaps, groups, settings.end_year))
    outcomes += [o for suite in release_table_suites(gaps, scenarios, regional) for o in validate(suite)]
    results = list(report_checks(context, settings, duckdb, "5_publish", [(PUBLISHED, o) for o in outcomes]))
    return outcomes, results


def _checks_frame(conn, outcomes: list[Outcome], release_id: str, data_source: str) -> pl.DataFrame:
    """Every check the release rests on, with what it makes sure of."""
    gate = pl.DataFrame(
        {
            "asset_key": [PUBLISHED.to_user_string()] * len(outcomes),
            "check_name": [o.check for o in outcomes],
            "blocking": [o.blocking for o in outcomes],
            "passed": [o.success for o in outcomes],
        }
    )
    checks = pl.concat([verified_check_results(conn), gate], how="diagonal_relaxed")
    return checks.with_columns(
        pl.col("check_name").replace_strict(CHECK_DESCRIPTIONS, default="").alias("description"),
        pl.lit(release_id).alias("release_id"),
        pl.lit(data_source).alias("data_source"),
    )


def _publish(
    context: AssetExecutionContext, settings: TalentgapSettings, duckdb: DuckDBResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    with duckdb.get_connection() as conn:
        refused = unverified_inputs(conn, BLOCKING_CHECKS)
    if refused:
        raise dg.Failure(
            "publication refused: every blocking check must have passed in the run that wrote the data it checks\n"
            + "\n".join(refused)
            + "\nRerun the assets named (their checks run with them), or the whole pipeline."
        )
    with duckdb.get_connection() as conn:
        gaps = read_table(conn, "forecast.skill_gaps")
        history = history_frame(read_table(conn, "forecast.gap_calibration"))
        gap_parameters = read_table(conn, "forecast.gap_parameters")
        reconciliation = read_table(conn, "forecast.reconciliation")
        accuracy = read_table(conn, "forecast.accuracy")
        scenarios = read_table(conn, "forecast.skill_gaps_scenarios")
        sensitivities = read_table(conn, "forecast.gap_sensitivities")
        regional = read_table(conn, "forecast.skill_gaps_by_region")
        release_id = gaps["release_id"][0]
        vintages = conn.execute(
            """
            select vintage_id, table_id, data_source, location, retrieved_at, table_modified, rows_received,
                   content_hash
            from raw.vintages where vintage_id in (select distinct vintage_id from staging.observations)
            order by table_id
            """
        ).pl()
        parameters = read_table(conn, "seeds.parameters").with_columns(pl.lit(release_id).alias("release_id"))
        seeds = {name: read_table(conn, f"seeds.{name}") for name in SEEDS}
        previous = latest_release(conn)
        withdrawn = withdrawn_fingerprints(conn)
    outcomes, gate_results = _gate(context, settings, duckdb, gaps, scenarios, regional)
    failed = [o.summary for o in outcomes if o.blocking and not o.success]
    if failed:
        yield from gate_results
        raise dg.Failure("publication refused: the gap table fails its publication checks\n" + "\n".join(failed))
    data_source = gaps["data_source"][0]
    with duckdb.get_connection() as conn:
        checks = _checks_frame(conn, outcomes, release_id, data_source)
    inputs = release_inputs(vintages, seeds, settings.end_year)
    change = changes(inputs, json.loads(previous["inputs"]) if previous and previous.get("inputs") else None)
    inputs_fingerprint = fingerprint(inputs)
    if previous and previous.get("fingerprint") == inputs_fingerprint and previous["data_source"] == data_source:
        yield from _unchanged(previous, settings, duckdb)
        yield from gate_results
        return
    if inputs_fingerprint in withdrawn:  # what was rolled back is never published again by the same inputs
        yield from _unchanged(previous, settings, duckdb, withdrawn=withdrawn[inputs_fingerprint])
        yield from gate_results
        return
    release = pl.DataFrame(
        {
            "release_id": [release_id],
            "published_at": [datetime.now(UTC)],
            "data_source": [data_source],
            "synthetic": [data_source == "demo"],
            "base_year": [int(gaps["base_year"][0])],
            "end_year": [int(gaps["year"].max())],
            "code_version": [code_version()],
            "source_vintages": [json.dumps(vintages.with_columns(pl.col(pl.Datetime).cast(pl.String)).to_dicts())],
            "credit": [SYNTHETIC_CREDIT if data_source == "demo" else CBS_CREDIT],
            "fingerprint": [inputs_fingerprint],
            "inputs": [json.dumps(inputs)],
            "changes": [json.dumps(change)],
            "changes_summary": [describe_changes(change)],
            "previous_release_id": pl.Series([previous["release_id"] if previous else None], dtype=pl.String),
        }
    )
    published = gaps.select(PUBLISHED_COLUMNS)
    tables = {
        "skill_gaps": published,
        "history": history,
        "checks": checks,
        "releases": release,
        "parameters": parameters,
        "gap_parameters": gap_parameters,
        "accuracy": accuracy,
        "reconciliation": reconciliation,
        "skill_gaps_scenarios": scenarios,
        "gap_sensitivities": sensitivities,
        "skill_gaps_by_region": regional,
    }
    with duckdb.get_connection() as conn:
        export_dir = publish_release(
            conn, tables, Path(settings.warehouse).parent / "exports", _published_path(settings)
        )
    yield dg.MaterializeResult(
        asset_key=PUBLISHED,
        metadata={
            "dagster/row_count": published.height,
            "release_id": release_id,
            "data_source": data_source,
            "exports": dg.MetadataValue.path(str(export_dir)),
            "report": dg.MetadataValue.url((export_dir / REPORT_NAME).resolve().as_uri()),
            "workbook": dg.MetadataValue.path(str(export_dir / f"talentgap_{release_id}.xlsx")),
            "preview": preview(
                published.filter(pl.col("year").is_in([published["base_year"][0], published["year"].max()])).select(
                    "sector_group", "skill", "year", "gap", "gap_lower", "gap_upper", "supply_demand_ratio"
                ),
                rows=32,
            ),
        },
    )
    yield from gate_results
    yield dg.MaterializeResult(asset_key=["publish", "history"], metadata={"dagster/row_count": history.height})
    yield dg.MaterializeResult(asset_key=["publish", "checks"], metadata={"dagster/row_count": checks.height})
    yield dg.MaterializeResult(asset_key=["publish", "releases"], metadata={"release_id": release_id})
    yield dg.MaterializeResult(asset_key=["publish", "parameters"], metadata={"dagster/row_count": parameters.height})
    yield dg.MaterializeResult(
        asset_key=["publish", "gap_parameters"], metadata={"dagster/row_count": gap_parameters.height}
    )
    yield dg.MaterializeResult(asset_key=["publish", "accuracy"], metadata={"dagster/row_count": accuracy.height})
    yield dg.MaterializeResult(
        asset_key=["publish", "reconciliation"],
        metadata={"dagster/row_count": reconciliation.height, "preview": preview(reconciliation, rows=25)},
    )
    for name, frame in (
        ("skill_gaps_scenarios", scenarios),
        ("gap_sensitivities", sensitivities),
        ("skill_gaps_by_region", regional),
    ):
        yield dg.MaterializeResult(asset_key=["publish", name], metadata={"dagster/row_count": frame.height})


def _unchanged(
    previous: dict, settings: TalentgapSettings, duckdb: DuckDBResource, withdrawn: str | None = None
) -> Iterator[dg.MaterializeResult]:
    """Identical inputs and code (to the latest release, or to a withdrawn one): no new release. The latest stays,
    its exports and copy made whole."""
    with duckdb.get_connection() as conn:
        recover(conn, Path(settings.warehouse).parent / "exports", _published_path(settings))
    same_as = (
        f"withdrawn release {withdrawn} (rolled back); {previous['release_id']} stays the latest"
        if withdrawn
        else f"release {previous['release_id']}, which stays the latest"
    )
    dg.get_dagster_logger().info(
        f"no new release: the source vintages, seeds, end year and code are those of {same_as}"
    )
    metadata = {"release_id": previous["release_id"], "new_release": False}
    for name in PUBLISHED_TABLES:
        yield dg.MaterializeResult(asset_key=["publish", name], metadata=metadata)


def _published_path(settings: TalentgapSettings) -> Path:
    return Path(settings.warehouse).parent / "published" / "talentgap.duckdb"
