"""The gap model against its own history, over whole cycles: the figures issue 22 asks for, and the variants the
method was chosen over.

Run after a pipeline run (it reads the warehouse): uv run python benchmarks/gap_backtest.py [warehouse]
[--run-pipeline]. Default warehouse: warehouse/talentgap.duckdb. --run-pipeline first times a whole run of
`dg launch --job materialize_everything` on the real CBS exports into a fresh warehouse and reads that one.

Prints:
- the whole model run from every base year the groups' data allow (2015-2021; CBS codes occupations from 2013) and
  the vacancy-rate cycle of every SBI section from every base year since 2001 (80567ned: the level the data allow
  before 2013), 1-4 years ahead, with only the data known then, against three rules: no change, the straight line
  through the last five years and the mean of every year known. Per level, period (the cycle's method was chosen on
  base years up to 2012; 2013-2020 are the test) and labour-market regime: the mean absolute error against the
  best rule (target <= 0.9, no regime more than 10% worse than its best rule), the direction of change where the
  observed value moved more than 5% (target >= 75%) and the leave-one-origin-out coverage of the 80% interval
  (target 72-88% in every regime);
- the supply side on its own: employment 1-4 years ahead against no change and the trend (target: better than both
  at 4 years); and before 2013, the demand for filled jobs (the trend rule) on technical occupations' employment
  (82808NED, base years 2007-2011, through the 2008-09 and 2011-12 downturns), the only part of the account whose
  inputs reach that far;
- employment's 80% interval, the account on its history, the share of published rows whose interval excludes zero,
  each group's size against its reference;
- variants: the supply rules of models/gap/stock_flow.py and trend dampings;
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

from models.gap.backtest import (  # noqa: E402
    EMPLOYMENT_LEVEL,
    GROUP_LEVEL,
    SECTOR_LEVEL,
    backtest_gaps,
    backtest_intervals,
    employment_coverage,
)
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


RULES = {"baseline": "no_change", "trend_baseline": "trend", "mean_baseline": "mean"}


def scores(errors: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Mean absolute error of the model and of each rule, the model against the best rule, the direction of change
    and the interval's coverage, per `by`."""
    rows = errors.filter(pl.col("sector_group") != NATIONAL)
    moved = (pl.col("observed") / pl.col("baseline") - 1).abs() > 0.05
    same_direction = (pl.col("observed") - pl.col("baseline")).sign() == (
        pl.col("predicted") - pl.col("baseline")
    ).sign()
    coverage = [pl.col(f"in_{p}").mean().alias(f"coverage_{p}") for p in (80, 95) if f"in_{p}" in rows.columns]
    return (
        rows.group_by(by)
        .agg(
            pl.len().alias("n"),
            (pl.col("observed") - pl.col("predicted")).abs().mean().alias("mae_model"),
            *((pl.col("observed") - pl.col(c)).abs().mean().alias(f"mae_{name}") for c, name in RULES.items()),
            same_direction.filter(moved).mean().alias("direction_right"),
            *coverage,
        )
        .with_columns(
            (pl.col("mae_model") / pl.min_horizontal(*(f"mae_{name}" for name in RULES.values()))).alias(
                "vs_best_rule"
            ),
            (100 * (pl.col("mae_model") / pl.col("mae_no_change") - 1)).alias("vs_no_change_pct"),
        )
        .sort(by)
    )


def periods(errors: pl.DataFrame) -> pl.DataFrame:
    """The cycle's base years it was chosen on (to 2012) and those it is tested on (2013-2020), apart."""
    return errors.with_columns(
        pl.when(pl.col("origin") <= 2012)
        .then(pl.lit("chosen on, to 2012"))
        .when(pl.col("origin") <= 2020)
        .then(pl.lit("test, 2013-2020"))
        .otherwise(pl.lit("after 2020"))
        .alias("period")
    )


def supply_side(errors: pl.DataFrame, level: str = GROUP_LEVEL) -> pl.DataFrame:
    """Employment (what supply and demand allow) 1-4 years ahead against no change and the trend: the groups', or
    (EMPLOYMENT_LEVEL) technical occupations' before 2013."""
    rows = errors.filter(pl.col("level") == level, pl.col("sector_group") != NATIONAL)
    if level != GROUP_LEVEL:
        rows = errors.filter(pl.col("level") == level)
    return (
        rows.group_by("horizon")
        .agg(
            pl.len().alias("n"),
            (pl.col("employment_observed") - pl.col("employment_predicted")).abs().mean().alias("mae_model"),
            (pl.col("employment_observed") - pl.col("employment_baseline")).abs().mean().alias("mae_no_change"),
            (pl.col("employment_observed") - pl.col("employment_trend_baseline")).abs().mean().alias("mae_trend"),
        )
        .sort("horizon")
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

    groups, sectors = (errors.filter(pl.col("level") == level) for level in (GROUP_LEVEL, SECTOR_LEVEL))
    print("Targets: vs_best_rule <= 0.9 (no regime above 1.1 x its best rule), direction_right >= 75%,")
    print("coverage_80 72-88% in every regime.\n")
    print(f"== The vacancy-rate cycle, 19 SBI sections, base years {sectors['origin'].min()}-{sectors['origin'].max()}")
    print(scores(periods(sectors), ["period"]))
    print(scores(periods(sectors), ["period", "regime"]))
    counted = groups.filter(pl.col("sector_group") != NATIONAL)["sector_group"].n_unique()
    print(f"\n== The whole model, {counted} groups x 2 skills, base years {sorted(groups['origin'].unique())}")
    print(scores(groups, ["skill"]))
    print(scores(groups, ["regime"]))
    print(scores(groups, ["horizon"]))
    print(scores(groups.drop("in_80", "in_95"), ["sector_group", "skill"]))
    print("\n== The supply side: employment against no change and the trend. Target: better than both at 4 years")
    print(supply_side(errors))
    early = errors.filter(pl.col("level") == EMPLOYMENT_LEVEL)
    if not early.is_empty():
        print(
            "\n== Before 2013: technical occupations' employment (82808NED), the demand-for-filled-jobs trend, base "
            f"years {early['origin'].min()}-{early['origin'].max()} (years to 2012)"
        )
        print(supply_side(errors, EMPLOYMENT_LEVEL))

    coverage = employment_coverage(groups)
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

    print("\n== Variants (the groups): mean absolute error against no change, %, by supply rule and trend damping")
    variants = []
    for rule in SUPPLY_RULES:
        for damping in (1.0, 0.95, 0.8, 0.5):
            changed = dataclasses.replace(data, parameters=data.parameters | {"trend_damping": damping})
            variant = backtest_gaps(changed, supply_rule=rule).filter(pl.col("level") == GROUP_LEVEL)
            row = scores(variant, ["skill"]).select("skill", "vs_no_change_pct")
            variants.append(row.with_columns(pl.lit(rule).alias("supply_rule"), pl.lit(damping).alias("damping")))
    table = pl.concat(variants).with_columns(pl.col("vs_no_change_pct").round(1).cast(pl.String))
    print(table.pivot(on="damping", index=["supply_rule", "skill"], values="vs_no_change_pct"))

    print(f"\ngap model: backtest {backtest_seconds:.1f} s, backtest + publication table {model_seconds:.1f} s")


if __name__ == "__main__":
    main()
