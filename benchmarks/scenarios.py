"""What the scenarios, the tornado table and the provincial split cost, and what they say for the end year.

    uv run python benchmarks/scenarios.py [warehouse]  # after a run; default warehouse/talentgap.duckdb

Reads the warehouse read-only, rebuilds the gap model's simulation as the pipeline does, then times each part and
prints every scenario's national effect in the end year with its 80% interval, the inputs that most often rank
first in the tornado, and the provinces' largest shares of the digital & AI gap.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from models.gap.backtest import backtest_gaps, backtest_intervals  # noqa: E402
from models.gap.inputs import GAP_INPUT_TABLES, model_data  # noqa: E402
from models.gap.model import simulate, simulations_frame  # noqa: E402
from models.gap.regions import regional_frame, regional_split  # noqa: E402
from models.gap.scenarios import parameter_ranges, read_scenarios, scenario_frame  # noqa: E402
from models.gap.sensitivity import sensitivity_frame  # noqa: E402
from models.gap.tables import REGIONAL_TABLES  # noqa: E402
from warehouse.db import read_table, read_tables  # noqa: E402

END_YEAR = 2030


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    print(f"{label:<45} {time.perf_counter() - start:6.2f} s")
    return result


def main() -> None:
    warehouse = Path(sys.argv[1] if len(sys.argv) > 1 else "warehouse/talentgap.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        data = model_data(read_tables(conn, GAP_INPUT_TABLES))
        regional = read_tables(conn, REGIONAL_TABLES)
        seeds = {n: read_table(conn, f"seeds.{n}") for n in ("parameters", "scenarios", "sector_groups")}
        composition = read_table(conn, "seeds.group_composition")
    errors = timed("gap model backtest (for its errors)", lambda: backtest_intervals(backtest_gaps(data)))
    simulations = timed("simulation of the published gaps", lambda: simulate(data, errors, END_YEAR))
    ranges = parameter_ranges(seeds["parameters"])
    scenarios = read_scenarios(seeds["scenarios"], seeds["sector_groups"]["sector_group"].to_list())
    effects = timed(
        f"{len(scenarios)} scenarios, paired draws", lambda: scenario_frame(simulations, data, scenarios, ranges)
    )
    tornado = timed("tornado table", lambda: sensitivity_frame(simulations, data, errors, ranges))
    split = timed(
        "provincial split",
        lambda: regional_split(
            regional["marts.vacancies_by_region"],
            regional["marts.employment_by_occupation_and_region"],
            data.skill_employment,
            composition,
            data.last_year,
        ),
    )
    gaps = simulations_frame(simulations).join(
        seeds["sector_groups"].select("sector_group", "sector_group_nl", "sector_group_en"), on="sector_group"
    )
    regional = regional_frame(gaps, split, composition, {})
    with pl.Config(tbl_rows=40, tbl_width_chars=160, float_precision=0):
        print(f"\nnational effect in {END_YEAR} (persons; 80% interval of the difference):")
        print(
            effects.filter(pl.col("year") == END_YEAR, pl.col("sector_group") == "national").select(
                "scenario", "skill", "baseline_gap", "difference", "difference_lower", "difference_upper"
            )
        )
        print(f"\ninputs ranked first in the tornado, {END_YEAR} (rows of 18):")
        print(tornado.filter(pl.col("year") == END_YEAR, pl.col("rank") == 1)["input"].value_counts(sort=True))
    with pl.Config(tbl_rows=12, float_precision=3):
        print(f"\nprovinces' shares of the digital & AI digital gap, {END_YEAR}:")
        print(
            regional.filter(
                pl.col("sector_group") == "digital_ai", pl.col("skill") == "digital", pl.col("year") == END_YEAR
            )
            .select("region", "vacancy_share", "occupation_quotient", "region_share")
            .sort("region_share", descending=True)
        )


if __name__ == "__main__":
    main()
