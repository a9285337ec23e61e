"""One release's tables from what the gap step made: the published gap table with its contract columns, the release
row (when, from which vintages and code, what changed) and the checks it rests on; and whether the run makes a new
release at all."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

import polars as pl

from release.identity import CBS_CREDIT, SYNTHETIC_CREDIT, changes, code_version, describe_changes, fingerprint
from release.publish import PUBLISHED_TABLES

# (contract) the columns of publish.skill_gaps, in order
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
    "cyclical_gap",
    "structural_gap",
    "output_growth",
    "labour_productivity_growth",
    "skill_intensity_growth",
    "supply_demand_ratio",
    "ita",
    "ita_class",
    "tightness_base_year",
    "employment",
    "employment_lower",
    "employment_upper",
    "skill_share",
    "skill_share_lower",
    "skill_share_upper",
    "skill_share_published",
    "skill_share_basis",
    "point_suppressed",
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
    "vacancy_persistence",
    "entry_response",
    "allocated",
    "gap_model",
    "lineage",
)
# publish.<name> <- forecast.<name>: the tables a release takes as the gap step made them
FROM_GAP_STEP = ("gap_parameters", "accuracy", "reconciliation", "skill_gaps_scenarios", "gap_sensitivities")
REGIONAL = "skill_gaps_by_region"


def no_new_release(
    previous: Mapping | None, withdrawn: Mapping[str, str], inputs_fingerprint: str, data_source: str
) -> str | None:
    """Why the run publishes nothing, in words, or None: identical inputs and code to the latest release, or to a
    withdrawn one (what was rolled back is never published again by the same inputs)."""
    if previous and previous.get("fingerprint") == inputs_fingerprint and previous["data_source"] == data_source:
        return f"release {previous['release_id']}, which stays the latest"
    if inputs_fingerprint in withdrawn:
        latest = previous["release_id"] if previous else "none"
        return f"withdrawn release {withdrawn[inputs_fingerprint]} (rolled back); {latest} stays the latest"
    return None


def release_row(
    release_id: str, gaps: pl.DataFrame, vintages: pl.DataFrame, inputs: dict, previous: Mapping | None
) -> pl.DataFrame:
    """publish.releases' row: when, from which source vintages, with which code, and what changed since `previous`."""
    data_source = gaps["data_source"][0]
    change = changes(inputs, json.loads(previous["inputs"]) if previous and previous.get("inputs") else None)
    return pl.DataFrame(
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
            "fingerprint": [fingerprint(inputs)],
            "inputs": [json.dumps(inputs)],
            "changes": [json.dumps(change)],
            "changes_summary": [describe_changes(change)],
            "previous_release_id": pl.Series([previous["release_id"] if previous else None], dtype=pl.String),
        }
    )


def checks_table(
    verified: pl.DataFrame,
    gate: list[tuple[str, str, bool, bool, str]],
    descriptions: Mapping[str, str],
    release_id: str,
    data_source: str,
) -> pl.DataFrame:
    """Every check the release rests on (`verified`: as evaluated in the runs that wrote its data; `gate`: the
    publication gate's own, as asset key, check, blocking, passed and what it observed), with what it makes sure
    of. `observed` is kept for the gate's checks, whose findings (the labour supply's figures) the report quotes."""
    gate_frame = pl.DataFrame(
        gate,
        schema={
            "asset_key": pl.String,
            "check_name": pl.String,
            "blocking": pl.Boolean,
            "passed": pl.Boolean,
            "observed": pl.String,
        },
        orient="row",
    )
    return pl.concat([verified, gate_frame], how="diagonal_relaxed").with_columns(
        pl.col("check_name").replace_strict(dict(descriptions), default="").alias("description"),
        pl.lit(release_id).alias("release_id"),
        pl.lit(data_source).alias("data_source"),
    )


def release_tables(
    made: Mapping[str, pl.DataFrame],
    history: pl.DataFrame,
    checks: pl.DataFrame,
    release: pl.DataFrame,
    parameters: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    """The release's tables in PUBLISHED_TABLES' order, every row stamped with the release's id; `made`: the gap
    step's tables by name."""
    release_id = release["release_id"][0]
    tables = {
        "skill_gaps": stamped(made["skill_gaps"], release_id).select(PUBLISHED_COLUMNS),
        "history": stamped(history, release_id),
        "checks": checks,
        "releases": release,
        "parameters": stamped(parameters, release_id),
        **{name: stamped(made[name], release_id) for name in (*FROM_GAP_STEP, REGIONAL)},
    }
    return {name: tables[name] for name in PUBLISHED_TABLES}


def stamped(frame: pl.DataFrame, release_id: str) -> pl.DataFrame:
    """`frame` with the release's id, just before its data_source column (or last, without one)."""
    columns = list(frame.columns)
    at = columns.index("data_source") if "data_source" in columns else len(columns)
    return frame.with_columns(pl.lit(release_id).alias("release_id")).select(
        [*columns[:at], "release_id", *columns[at:]]
    )
