"""The stock-flow account of one group x skill: calibrated on its history, projected from its base year.

Supply is the people working in, or available to, the skill's jobs:

    S(t) = S(t-1) - outflow(t) + school-leavers(t) + unemployed who take up work(t) + other entrants(t)

Outflow (retirement and other exits) comes from the age structure, school-leavers and the unemployed from their own
series; other entrants (people moving from other occupations and sectors, returners, migrants) are not observed, so
each year's is what closes the account on the observed employment. Demand is filled plus unfilled jobs,
J(t) = E(t) + V(t), and the gap is J - S: at the base year exactly the unfilled jobs observed.

Projected, supply follows the employment trend of the calibration years, which fades by `damping` a year into the
long-run growth of all employment (no occupation outgrows the economy for ever): the flows we can see coming
(outflow from the age structure, school-leavers and the unemployed from their forecasts) are set against it, and
the other entrants are what keeps supply on the trend when those flows are as forecast. Any change to the flows
(a scenario, or a draw from their forecast intervals) moves supply one for one, the other-entrant rate staying as it
was. A constant other-entrant rate instead let fast-growing stocks outgrow their school-leavers and unemployed
inflows, and missed the backtest (docs/method.md). Demand grows at the employment trend plus its excess over it in
the calibration years (the tightening), which fades by `damping` a year: markets answer a shortage with wages,
mobility and training, so no excess lasts for ever.
Nothing here knows about CBS tables, groups or Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROJECTED = (
    "demand",
    "supply",
    "gap",
    "expansion_demand",
    "replacement_demand",
    "school_leaver_inflow",
    "unemployed_inflow",
    "other_entrants",
    "other_entrant_rate",
    "openings_since_base",
    "entrants_since_base",
)


@dataclass(frozen=True)
class History:
    """What was observed for one group x skill, by calendar year (persons; rates as shares)."""

    years: np.ndarray
    employment: np.ndarray  # E: filled jobs in the skill (yearly average)
    unfilled: np.ndarray  # V: open vacancies in the skill at the end of the year
    school_leavers: np.ndarray  # school-leavers who start in the skill's jobs in this group during the year
    unemployed_inflow: np.ndarray  # unemployed (at the end of last year) who start in these jobs during the year
    outflow_rate: np.ndarray  # share of last year's workers who retire or leave for other reasons

    @property
    def demand(self) -> np.ndarray:
        return self.employment + self.unfilled

    def until(self, year: int) -> History:
        keep = self.years <= year
        return History(*(getattr(self, name)[keep] for name in self.__dataclass_fields__))


@dataclass(frozen=True)
class Calibration:
    """The account closed on every year of the history: flows into year t (t = second year .. last year)."""

    years: np.ndarray
    outflow: np.ndarray
    school_leavers: np.ndarray
    unemployed_inflow: np.ndarray
    other_entrants: np.ndarray
    other_entrant_rate: np.ndarray  # other entrants / last year's employment
    demand_growth: np.ndarray  # log change of demand
    employment_growth: np.ndarray  # log change of employment

    def summary(self) -> dict[str, tuple[float, float, float, float]]:
        """Per calibrated rate: mean, standard deviation, minimum and maximum over the calibration years."""
        rates = {
            "other_entrant_rate": self.other_entrant_rate,
            "demand_growth": self.demand_growth,
            "employment_growth": self.employment_growth,
        }
        return {
            name: (float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0, float(v.min()), float(v.max()))
            for name, v in rates.items()
        }


def calibrate(history: History) -> Calibration:
    """Each year's other entrants = employment - (last year's employment - outflow + school-leavers + unemployed)."""
    if len(history.years) < 2:
        raise ValueError("calibrating the account needs at least two years of history")
    previous = history.employment[:-1]
    outflow = previous * history.outflow_rate[1:]
    other = history.employment[1:] - (previous - outflow + history.school_leavers[1:] + history.unemployed_inflow[1:])
    return Calibration(
        years=history.years[1:],
        outflow=outflow,
        school_leavers=history.school_leavers[1:],
        unemployed_inflow=history.unemployed_inflow[1:],
        other_entrants=other,
        other_entrant_rate=other / previous,
        demand_growth=np.diff(np.log(history.demand)),
        employment_growth=np.diff(np.log(history.employment)),
    )


@dataclass(frozen=True)
class Drivers:
    """Projected inputs for the years after the base year; arrays of shape (years,) or (draws, years)."""

    years: np.ndarray
    school_leavers: np.ndarray
    unemployed_inflow: np.ndarray
    outflow_rate: np.ndarray


def project(
    history: History,
    calibration: Calibration,
    baseline: Drivers,
    damping: float,
    long_run_growth: float,
    drivers: Drivers | None = None,
) -> dict[str, np.ndarray]:
    """The account from the last year of `history` over `baseline.years`. `baseline` are the expected flows, which
    set the other-entrant rate; `drivers` (default: the baseline) are the flows the account runs on, arrays of
    shape (years,) or (draws, years). `long_run_growth` is the log growth a year that the employment trend fades
    into. Every output has the shape of the flows run on."""
    rates = calibration.summary()
    own_trend, excess = rates["employment_growth"][0], rates["demand_growth"][0] - rates["employment_growth"][0]
    fade = damping ** np.arange(len(baseline.years))
    trend = long_run_growth + (own_trend - long_run_growth) * fade
    on_trend = history.employment[-1] * np.exp(np.cumsum(trend))
    before = np.concatenate([[history.employment[-1]], on_trend[:-1]])
    other_rate = (
        on_trend - before * (1 - baseline.outflow_rate) - baseline.school_leavers - baseline.unemployed_inflow
    ) / before
    drivers = baseline if drivers is None else drivers
    shape = np.broadcast(drivers.school_leavers, drivers.unemployed_inflow, drivers.outflow_rate).shape
    school = np.broadcast_to(drivers.school_leavers, shape)
    unemployed = np.broadcast_to(drivers.unemployed_inflow, shape)
    outflow_rate = np.broadcast_to(drivers.outflow_rate, shape)
    out = {name: np.zeros(shape) for name in PROJECTED}
    supply = np.full(shape[:-1], history.employment[-1])
    demand = np.full(shape[:-1], history.demand[-1])
    openings = np.full(shape[:-1], history.unfilled[-1])
    entrants = np.zeros(shape[:-1])
    for j in range(shape[-1]):
        new_demand = demand * np.exp(trend[j] + excess * fade[j])
        replacement = supply * outflow_rate[..., j]
        other = supply * other_rate[j]
        inflow = school[..., j] + unemployed[..., j] + other
        supply = supply - replacement + inflow
        openings = openings + (new_demand - demand) + replacement
        entrants = entrants + inflow
        for name, value in (
            ("demand", new_demand),
            ("supply", supply),
            ("gap", new_demand - supply),
            ("expansion_demand", new_demand - demand),
            ("replacement_demand", replacement),
            ("school_leaver_inflow", school[..., j]),
            ("unemployed_inflow", unemployed[..., j]),
            ("other_entrants", other),
            ("other_entrant_rate", np.broadcast_to(other_rate[j], shape[:-1])),
            ("openings_since_base", openings),
            ("entrants_since_base", entrants),
        ):
            out[name][..., j] = value
        demand = new_demand
    return out
