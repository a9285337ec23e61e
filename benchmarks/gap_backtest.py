"""The gap model against its own history: the figures issue 9 asks for, and the variants the method was chosen over.

Run after a pipeline run (it reads the warehouse): uv run python benchmarks/gap_backtest.py [warehouse]
[--run-pipeline]. Default warehouse: warehouse/talentgap.duckdb. --run-pipeline first times a whole run of
`dg launch --job materialize_everything` on the real CBS exports into a fresh warehouse and reads that one.

Prints:
- the whole model run from the base years 2016-2020 with only the data known then, against the unfilled jobs observed
  1-4 years later: mean absolute error per skill against "no change" (target: at least 10% below), per group and
  per horizon, and the leave-one-origin-out coverage of the 80% and 95% intervals (target 72-88% for the 80%);
- the account on the history: how closely the calibrated account reproduces observed employment per skill over
  2013-2022 (target: within 1% a year on average; exact by construction, the other entrants being the calibrated
  residual), and how far a constant other-entrant rate would be off a year ahead (the rate's real spread);
- the share of published rows whose 80% interval excludes zero, and each group's skill employment against its
  reference size;
- variants: the supply rules of models/gap/stock_flow.py (the model's, supply on the trend whatever the flows, a
  constant other-entrant rate) at trend dampings 1.0, 0.8 (used), 0.5 and 0;
- the time the gap model takes, and with --run-pipeline the whole run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.gap.backtest import backtest_gaps, backtest_intervals, employment_coverage  # noqa: E402
from models.gap.inputs import GAP_INPUT_TABLES, NATIONAL, ModelData, model_data, units_at  # noqa: E402
from models.gap.model import publish_frame  # noqa: E402
from models.gap.stock_flow import SUPPLY_RULES  # noqa: E402
from warehouse.db import read_tables  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def run_pipeline(data_dir: Path) -> tuple[Path, float]:
    warehouse = Path(tempfile.mkdtemp(prefix="talentgap_benchmark_")) / "talentgap.duckdb"
    env = os.environ | {
        "TALENTGAP_SOURCE": "files",
        "TALENTGAP_DATA_DIR": str(data_dir),
        "TALENTGAP_WAREHOUSE": str(warehouse),
    }
    command = [str(Path(sys.executable).parent / "dg"), "launch", "--job", "materialize_everything"]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return warehouse, time.perf_counter() - start


def scores(errors: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    groups = errors.filter(pl.col("sector_group") != NATIONAL)
    coverage = [pl.col(f"in_{p}").mean().alias(f"coverage_{p}") for p in (80, 95) if f"in_{p}" in groups.columns]
    return (
        groups.group_by(by)
        .agg(
            (pl.col("observed") - pl.col("predicted")).abs().mean().alias("mae_model"),
            (pl.col("observed") - pl.col("baseline")).abs().mean().alias("mae_no_change"),
            *coverage,
            pl.len().alias("n"),
        )
        .with_columns((100 * (pl.col("mae_model") / pl.col("mae_no_change") - 1)).alias("vs_no_change_pct"))
        .sort(by)
    )


def account_on_history(data: ModelData) -> pl.DataFrame:
    """Per skill (the whole economy): the calibrated account against observed employment, and a constant rate's
    one-year-ahead error, over the calibration years."""
    rows = []
    for unit in units_at(data, data.last_year):
        if unit.group != NATIONAL:
            continue
        history, calibration = unit.history, unit.calibration
        before = history.employment[:-1]
        closed = before - calibration.outflow + calibration.school_leavers + calibration.unemployed_inflow
        closed = closed + calibration.other_entrants
        constant = closed - calibration.other_entrants + calibration.other_entrant_rate.mean() * before
        observed = history.employment[1:]
        rows.append(
            {
                "skill": unit.skill,
                "years": f"{calibration.years[0] - 1}-{calibration.years[-1]}",
                "calibrated_account_error_pct": 100 * float(np.mean(np.abs(closed / observed - 1))),
                "constant_rate_error_pct": 100 * float(np.mean(np.abs(constant / observed - 1))),
                "other_entrant_rate_mean": float(calibration.other_entrant_rate.mean()),
                "other_entrant_rate_sd": float(calibration.other_entrant_rate.std(ddof=1)),
            }
        )
    return pl.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("warehouse", nargs="?", default="warehouse/talentgap.duckdb")
    parser.add_argument("--run-pipeline", action="store_true", help="time a whole run on the real data first")
    parser.add_argument("--data-dir", default=os.environ.get("TALENTGAP_DATA_DIR", "../shared/data/real"))
    args = parser.parse_args()
    pl.Config.set_tbl_rows(60)
    pl.Config.set_tbl_width_chars(200)
    pl.Config.set_float_precision(3)

    warehouse = Path(args.warehouse)
    if args.run_pipeline:
        warehouse, seconds = run_pipeline(Path(args.data_dir).resolve())
        print(f"whole pipeline on the real data (dg launch --job materialize_everything): {seconds:.1f} s\n")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        data = model_data(read_tables(conn, GAP_INPUT_TABLES))
        reconciliation = conn.sql("select * from forecast.reconciliation").pl()

    start = time.perf_counter()
    errors = backtest_intervals(backtest_gaps(data))
    backtest_seconds = time.perf_counter() - start
    table, _ = publish_frame(data, errors, 2030)
    model_seconds = time.perf_counter() - start

    print(f"== Gap backtest: base years {sorted(errors['origin'].unique())}, 1-4 years ahead, 8 groups")
    print("Target: mean absolute error at least 10% below no change, per skill; 80% coverage 72-88%")
    print(scores(errors, ["skill"]))
    print(scores(errors.drop("in_80", "in_95"), ["sector_group", "skill"]))
    print(scores(errors, ["horizon"]))
    print(scores(errors, ["origin"]).select("origin", "mae_model", "mae_no_change", "vs_no_change_pct", "coverage_80"))

    coverage = employment_coverage(errors)
    print("\n== Employment's 80% interval (each unit's own errors, one base year left out). Target 72-88%")
    overall = (coverage["coverage_80"] * coverage["n"]).sum() / coverage["n"].sum()
    print(coverage.sort("horizon"), f"\nall horizons: {overall:.1%}")
    print("\n== The account on its history (whole economy per skill). Target: within 1% a year on average")
    print(account_on_history(data))

    published = table.filter(pl.col("sector_group") != NATIONAL)
    projected = published.filter(~pl.col("observed"))
    print("\n== Published rows whose interval excludes zero")
    for level, low, high in (("80%", "gap_lower", "gap_upper"), ("95%", "gap_lower_95", "gap_upper_95")):
        excludes = ((pl.col(low) > 0) | (pl.col(high) < 0)).mean()
        print(
            f"{level}: projected years {projected.select(excludes).item():.1%} of {projected.height}; "
            f"all rows, base year included, {published.select(excludes).item():.1%} of {published.height}"
        )
    print("\n== Each group's employment in a skill against the group's reference size (reconciliation)")
    print(
        reconciliation.filter(pl.col("measure") == "skill_employment_within_group_reference").select(
            "sector_group", "skill", "our_value", "reference_value", "reference_source", "within_reference"
        )
    )

    print("\n== Variants: mean absolute error against no change, % (digital / technical), by supply rule and damping")
    variants = []
    for rule in SUPPLY_RULES:
        for damping in (1.0, 0.8, 0.5, 0.0):
            changed = dataclasses.replace(data, parameters=data.parameters | {"trend_damping": damping})
            row = scores(backtest_gaps(changed, supply_rule=rule), ["skill"]).select("skill", "vs_no_change_pct")
            variants.append(row.with_columns(pl.lit(rule).alias("supply_rule"), pl.lit(damping).alias("damping")))
    table = pl.concat(variants).with_columns(pl.col("vs_no_change_pct").round(1).cast(pl.String))
    print(table.pivot(on="damping", index=["supply_rule", "skill"], values="vs_no_change_pct"))

    print(f"\ngap model: backtest {backtest_seconds:.1f} s, backtest + publication table {model_seconds:.1f} s")


if __name__ == "__main__":
    main()
