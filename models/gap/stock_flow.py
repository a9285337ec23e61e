"""The stock-flow account of one group x skill: calibrated on its history, projected from its base year.

Supply is the people working in, or available to, the skill's jobs:

    S(t) = S(t-1) - outflow(t) + school-leavers(t) + unemployed who take up work(t) + other entrants(t)

Outflow (retirement and other exits) comes from the age structure, school-leavers and the unemployed from their own
series; other entrants (people moving from other occupations and sectors, returners, migrants) are not observed, so
each year's is what closes the account on the observed employment. Demand is filled plus unfilled jobs,
J(t) = E(t) + V(t), and the gap is J - S: at the base year exactly the unfilled jobs observed.

Projected, both sides follow the employment trend of the calibration years, which fades by `damping` a year into the
long-run growth of all employment (no occupation outgrows the economy for ever). Demand adds its excess over that
trend in the calibration years (the tightening), fading at the same pace: markets answer a shortage with wages,
mobility and training. Supply runs the account: the trend assumes every inflow keeps its base-year share of the
stock and the outflow rate its base-year value, and sets the other-entrant rate to match; where the forecasts of
school-leavers and the unemployed (or a scenario) differ from that, supply moves by the difference, one for one.
`SUPPLY_RULES` keeps the two rules this one was chosen over in the backtest (docs/method.md).
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
# base_shares: the model. trend: supply on the employment trend whatever the flows (they only split it).
# constant_rate: other entrants at their mean calibrated rate (the account without a trend).
SUPPLY_RULES = ("base_shares", "trend", "constant_rate")


@dataclass(frozen=True)
class History:
    """What was observed for one group x skill, by calendar year (persons; rates as shares)."""

    years: np.ndarray
    employment: np.ndarray  # E: filled jobs in the skill (yearly average)
    unfilled: np.ndarray  # V: open vacancies in the skill at the end of the year
    school_leavers: np.ndarray  # school-leavers who start in the skill's jobs in this group during the year
    unemployed_inflow: np.ndarray  # unemployed (yearly average of the year before) who start in these jobs
    outflow_rate: np.ndarray  # share of last year's workers who retire or leave for other reasons

    @property
    def demand(self) -> np.ndarray:
        return self.employment + self.unfilled


@dataclass(frozen=True)
class Calibration:
    """The account closed on every year of the history: flows into year t (t = second year .. last year).

    `in_means` is False for a year whose change is a break in the series (a survey redesign): the account still
    closes on it, but the trends and the mean rate leave it out."""

    years: np.ndarray
    outflow: np.ndarray
    school_leavers: np.ndarray
    unemployed_inflow: np.ndarray
    other_entrants: np.ndarray
    other_entrant_rate: np.ndarray  # other entrants / last year's employment
    demand_growth: np.ndarray  # log change of demand
    employment_growth: np.ndarray  # log change of employment
    in_means: np.ndarray

    def summary(self) -> dict[str, tuple[float, float, float, float]]:
        """Per calibrated rate: mean, standard deviation, minimum and maximum over the years in the means."""
        rates = {
            "other_entrant_rate": self.other_entrant_rate[self.in_means],
            "demand_growth": self.demand_growth[self.in_means],
            "employment_growth": self.employment_growth[self.in_means],
        }
        return {
            name: (float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0, float(v.min()), float(v.max()))
            for name, v in rates.items()
        }


def calibrate(history: History, breaks: tuple[int, ...] = ()) -> Calibration:
    """Each year's other entrants = employment - (last year's employment - outflow + school-leavers + unemployed)."""
    if len(history.years) < 2:
        raise ValueError("calibrating the account needs at least two years of history")
    previous = history.employment[:-1]
    outflow = previous * history.outflow_rate[1:]
    other = history.employment[1:] - (previous - outflow + history.school_leavers[1:] + history.unemployed_inflow[1:])
    in_means = ~np.isin(history.years[1:], breaks)
    if not in_means.any():
        raise ValueError(f"every calibration year {history.years[1:].tolist()} is a break: nothing to average")
    return Calibration(
        years=history.years[1:],
        outflow=outflow,
        school_leavers=history.school_leavers[1:],
        unemployed_inflow=history.unemployed_inflow[1:],
        other_entrants=other,
        other_entrant_rate=other / previous,
        demand_growth=np.diff(np.log(history.demand)),
        employment_growth=np.diff(np.log(history.employment)),
        in_means=in_means,
    )


@dataclass(frozen=True)
class Drivers:
    """The flows the account runs on for the years after the base year: arrays of shape (years,) or (draws,
    years). A scenario adds entrants (from abroad) and demand growth; a draw of the uncertain parameters changes
    what the trend assumes of the flows (`assumed_inflow`, `assumed_outflow`: shares of the base-year stock, scalars
    or (draws, 1); None = as observed in the base year) together with the flows themselves."""

    years: np.ndarray
    school_leavers: np.ndarray
    unemployed_inflow: np.ndarray
    outflow_rate: np.ndarray
    extra_entrants: np.ndarray | float = 0.0
    demand_shift: np.ndarray | float = 0.0  # log growth of demand a year on top of its trend
    assumed_inflow: np.ndarray | float | None = None
    assumed_outflow: np.ndarray | float | None = None


def project(
    history: History,
    calibration: Calibration,
    drivers: Drivers,
    damping: float | np.ndarray,
    long_run_growth: float,
    supply_rule: str = "base_shares",
) -> dict[str, np.ndarray]:
    """The account from the last year of `history` over `drivers.years`. `long_run_growth` is the log growth a
    year that the employment trend fades into; `damping` is a number or one per draw, (draws, 1). Every output has
    the shape of the drivers (with draws if any input has them)."""
    if supply_rule not in SUPPLY_RULES:
        raise ValueError(f"supply_rule {supply_rule!r} is not one of {SUPPLY_RULES}")
    rates = calibration.summary()
    own_trend, excess = rates["employment_growth"][0], rates["demand_growth"][0] - rates["employment_growth"][0]
    fade = np.asarray(damping) ** np.arange(len(drivers.years))
    trend = long_run_growth + (own_trend - long_run_growth) * fade
    base = history.employment[-1]
    # what the trend assumes of the flows: every inflow at its base-year share of the stock, outflow at its rate
    assumed_inflow = drivers.assumed_inflow
    if assumed_inflow is None:
        assumed_inflow = (history.school_leavers[-1] + history.unemployed_inflow[-1]) / base
    assumed_outflow = history.outflow_rate[-1] if drivers.assumed_outflow is None else drivers.assumed_outflow
    other_rate = {
        "base_shares": np.exp(trend) - 1 + assumed_outflow - assumed_inflow,
        "trend": None,  # set each year from the flows, so that supply stays on the trend
        "constant_rate": np.full(len(drivers.years), rates["other_entrant_rate"][0]),
    }[supply_rule]
    flows = (drivers.school_leavers, drivers.unemployed_inflow, drivers.outflow_rate, drivers.extra_entrants)
    shape = np.broadcast(*flows, drivers.demand_shift, trend, 0.0 if other_rate is None else other_rate).shape
    school, unemployed, outflow_rate, extra = (np.broadcast_to(f, shape) for f in flows)
    trend, fade, shift = (np.broadcast_to(a, shape) for a in (trend, fade, drivers.demand_shift))
    other_rate = None if other_rate is None else np.broadcast_to(other_rate, shape)
    out = {name: np.zeros(shape) for name in PROJECTED}
    supply = np.full(shape[:-1], base)
    demand = np.full(shape[:-1], history.demand[-1])
    openings = np.full(shape[:-1], history.unfilled[-1])
    entrants = np.zeros(shape[:-1])
    for j in range(shape[-1]):
        new_demand = demand * np.exp(trend[..., j] + excess * fade[..., j] + shift[..., j])
        replacement = supply * outflow_rate[..., j]
        if other_rate is None:
            other = supply * np.exp(trend[..., j]) - (supply - replacement + school[..., j] + unemployed[..., j])
        else:
            other = supply * other_rate[..., j]
        # entrants a scenario adds (from abroad) come on top of the trend's, one for one
        other = other + extra[..., j]
        inflow = school[..., j] + unemployed[..., j] + other
        rate = other / supply
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
            ("other_entrant_rate", rate),
            ("openings_since_base", openings),
            ("entrants_since_base", entrants),
        ):
            out[name][..., j] = value
        demand = new_demand
    return out
