"""What each published gap rests on: a tornado table (pure: numpy and polars, no Dagster).

Every input is swung on its own over its range while the others stay at their published value, and the gap is
run again through the same account: the named assumptions over the `low` and `high` of
warehouse/seeds/parameters.csv, the forecasts of school-leavers and of the unemployed over their 80% intervals,
the skill's share of the group over the bounds the published CBS cells allow, and the gap model's own error over
the 80% interval of its backtest. The input whose swing moves the gap most ranks first.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from models.gap.backtest import error_model
from models.gap.inputs import ModelData, YearlySeries
from models.gap.model import Simulation
from models.gap.scenarios import LEVER_PARAMETERS, Range, run

FORECAST_INPUTS = {
    "school_leavers_forecast": "forecast of school-leavers (mbo graduates, higher-education enrolment): 80% interval",
    "unemployed_forecast": "forecast of the unemployed: its 80% interval",
}


def _at_bound(series: YearlySeries, bound: str) -> YearlySeries:
    """The series with its forecast years at their lower or upper 80% bound."""
    bounds = series.lower if bound == "lower" else series.upper
    return dataclasses.replace(series, values=series.values | bounds)


def _forecast_bound(data: ModelData, which: str, bound: str) -> ModelData:
    if which == "unemployed_forecast":
        return dataclasses.replace(data, unemployed=_at_bound(data.unemployed, bound))
    routes = {
        skill: {route: _at_bound(series, bound) for route, series in parts.items()}
        for skill, parts in data.school_routes.items()
    }
    return dataclasses.replace(data, school_routes=routes)


def sensitivity_frame(
    simulations: list[Simulation], data: ModelData, errors: pl.DataFrame, ranges: dict[str, Range]
) -> pl.DataFrame:
    """Per group x skill x projected year x input: the gap with the input at the low and at the high end of its
    range, the swing between them and the input's rank (1 = moves the gap most)."""
    names = sorted(set(ranges) - LEVER_PARAMETERS)  # a lever's own assumptions cannot move the baseline
    other_skill = {
        skill: f"unemployed_share_{other}" for skill, other in (("technical", "digital"), ("digital", "technical"))
    }
    # one draw per end of each assumption's range, the others at their seed value: one run per unit
    theta = {name: np.array([[ranges[name].value]] * (2 * len(names))) for name in names}
    for i, name in enumerate(names):
        theta[name][2 * i : 2 * i + 2, 0] = (ranges[name].low, ranges[name].high)
    bounded = {
        (which, bound): _forecast_bound(data, which, bound) for which in FORECAST_INPUTS for bound in ("lower", "upper")
    }
    horizons = range(1, len(simulations[0].years) + 1)
    quantiles = np.array([error_model(errors, h).quantiles((0.1, 0.9)) for h in horizons])  # pooled: every unit's
    rows = []
    for simulation in simulations:
        unit, years = simulation.unit, simulation.years
        gap = simulation.point["gap"]
        swings = run(unit, data, years, theta)["gap"]
        inputs = [
            (
                name,
                "assumption",
                ranges[name].low,
                ranges[name].high,
                swings[2 * i],
                swings[2 * i + 1],
                f"{ranges[name].low:g} to {ranges[name].high:g} (seed value {ranges[name].value:g})",
            )
            for i, name in enumerate(names)
            if name != other_skill[unit.skill]  # the other skill's share of the unemployed is not this unit's
        ]
        for which, meaning in FORECAST_INPUTS.items():
            low, high = (run(unit, bounded[(which, b)], years)["gap"] for b in ("lower", "upper"))
            inputs.append((which, "input forecast", None, None, low, high, meaning))
        low_f, high_f = unit.share_factor_bounds
        inputs.append(
            (
                "skill_share",
                "skill share",
                unit.employment_share * low_f,
                unit.employment_share * high_f,
                gap * low_f,
                gap * high_f,
                "the share of the group's jobs in the skill, within the bounds the published CBS cells allow",
            )
        )
        base_gap = unit.history.unfilled[-1]
        inputs.append(
            (
                "model_error",
                "model error",
                None,
                None,
                gap + quantiles[:, 0] * base_gap,
                gap + quantiles[:, 1] * base_gap,
                "the gap model's error in its backtest from earlier base years: its 80% interval",
            )
        )
        for j, year in enumerate(years):
            for name, kind, low, high, at_low, at_high, meaning in inputs:
                rows.append(
                    {
                        "sector_group": unit.group,
                        "skill": unit.skill,
                        "year": int(year),
                        "input": name,
                        "input_kind": kind,
                        "input_range": meaning,
                        "input_low": low,
                        "input_high": high,
                        "gap": float(gap[j]),
                        "gap_at_low": float(at_low[j]),
                        "gap_at_high": float(at_high[j]),
                    }
                )
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        (pl.col("gap_at_high") - pl.col("gap_at_low")).abs().alias("swing")
    )
    return frame.with_columns(
        pl.col("swing")
        .rank("ordinal", descending=True)
        .over("sector_group", "skill", "year")
        .cast(pl.Int64)
        .alias("rank")
    ).sort("sector_group", "skill", "year", "rank")
