"""One unit's (group x skill) stock-flow account run forward from its base year: its share of the national inputs
(school-leavers, the unemployed) on the input forecasts, or on their drift where the backtest knows no forecasts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.gap.inputs import ModelData, Unit
from models.gap.output import DemandPath, demand_path
from models.gap.stock_flow import Drivers, employment_trend, project


def _drift_path(values: dict[int, float], years: np.ndarray) -> np.ndarray:
    """The backtest's forecast of an input: its average change carried on from the last known year."""
    known = sorted(values)
    slope = (values[known[-1]] - values[known[0]]) / max(known[-1] - known[0], 1)
    return np.array([max(values[known[-1]] + slope * (y - known[-1]), 0.0) for y in years])


@dataclass(frozen=True)
class DriverPaths:
    """National inputs per skill for the projected years."""

    school: np.ndarray  # school-leavers who start in the skill's jobs, in the year
    unemployed: np.ndarray  # the unemployed, yearly average of the year before


def driver_paths(data: ModelData, skill: str, origin: int, years: np.ndarray, forecasts: bool) -> DriverPaths:
    """From the series forecasts for the publication; carried on by drift in the backtest, where the short school
    series (mbo graduates begin in 2015/'16) cannot be backtested."""
    school, unemployed = data.school_leavers[skill], data.unemployed
    before = years - 1
    if forecasts:
        return DriverPaths(
            np.array([school.values[int(y)] for y in years]), np.array([unemployed.values[int(y)] for y in before])
        )
    known = unemployed.known_until(origin)
    u = np.array([known.get(int(y), np.nan) for y in before])
    u[np.isnan(u)] = _drift_path(known, before)[np.isnan(u)]
    return DriverPaths(_drift_path(school.known_until(origin), years), u)


def _drivers(unit: Unit, data: ModelData, paths: DriverPaths, years: np.ndarray) -> Drivers:
    """The unit's share of the national inputs, and its outflow rate held at the base year's."""
    rate = data.parameters[f"unemployed_share_{unit.skill}"] * data.parameters["unemployed_reactivation_rate"]
    return Drivers(
        years=years,
        school_leavers=paths.school * unit.hires_share,
        unemployed_inflow=paths.unemployed * rate * unit.hires_share,
        outflow_rate=np.full(len(years), unit.history.outflow_rate[-1]),
    )


def project_unit(
    unit: Unit,
    data: ModelData,
    years: np.ndarray,
    forecasts: bool,
    supply_rule: str = "behavioural",
) -> dict[str, np.ndarray]:
    """The unit's account over `years`, on the input forecasts (`forecasts`) or on their drift (the backtest)."""
    drivers = _drivers(unit, data, driver_paths(data, unit.skill, unit.origin, years, forecasts), years)
    damping = data.parameters["trend_damping"]
    return project(
        unit.history, unit.calibration, drivers, damping, unit.long_run_growth, unit.cycle, unit.response, supply_rule
    )


def demand_of(unit: Unit, data: ModelData, years: np.ndarray) -> DemandPath:
    """The growth of the demand for the unit's filled jobs over `years` that the projection runs on (the employment
    trend fading into all employment's growth), as output growth - productivity growth + intensity."""
    calibration = unit.calibration
    trend, fade = employment_trend(calibration, len(years), data.parameters["trend_damping"], unit.long_run_growth)
    return demand_path(
        trend,
        fade,
        unit.sector_growth,
        unit.economy_growth,
        (int(y) for y in calibration.years[calibration.in_means]),
        data.parameters["output_growth"],
        data.parameters["labour_productivity_growth"],
    )
