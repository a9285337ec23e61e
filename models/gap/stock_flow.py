"""The stock-flow account of one group x skill: calibrated on its history, projected from its base year.

Supply is the people working in, or available to, the skill's jobs:

    S(t) = S(t-1) - outflow(t) + school-leavers(t) + unemployed who take up work(t) + other entrants(t)

Outflow (retirement and other exits) comes from the age structure, school-leavers and the unemployed from their own
series; other entrants (people moving from other occupations and sectors, returners, migrants) are not observed, so
each year's is what closes the account on the observed employment. Demand is filled plus unfilled jobs,
J(t) = E(t) + V(t), and the gap is J - S: at the base year exactly the unfilled jobs observed.

Projected (the `behavioural` rule, the model), three parts make the gap, each with its own cause:

- the demand for filled jobs E*(t) follows the employment trend of the calibration years, which fades by `damping` a
  year into the long-run growth of all employment (no occupation outgrows the economy for ever);
- supply runs the account on behaviour, never on an assumed outcome: other entrants at the unit's calibrated rate,
  plus a share of last year's shortfall of supply below demand (`cycle.Response`), within the calibrated range;
- normal gap u* E*: the vacancies that exist at the long-run vacancy rate while jobs change hands;
- cyclical gap (u_T - u*) phi^h E*: the base year's distance from the normal rate, fading at the speed vacancy rates
  returned to normal over 1997-2022 (`cycle.Cycle`);
- structural gap E* - S: demand for filled jobs the supply does not meet (negative: more people than jobs).

Demand is E* (1 + u* + cyclical rate), supply S, gap = demand - supply = their sum; employment is min(S, E*). A
change of demand never moves supply, except through the shortfall it leaves, a year later.

`SUPPLY_RULES` keeps the rules this one was chosen over in the backtest (docs/method.md): `base_shares` (the previous
model: supply on the employment trend, the other-entrant rate back-solved so that it stays there), `trend` (supply
on the trend whatever the flows) and `constant_rate` (other entrants at their mean rate, demand on its own trend
with the tightening of the calibration years carried on).
Nothing here knows about CBS tables, groups or Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.gap.cycle import Cycle, Response

PROJECTED = (
    "demand",
    "supply",
    "gap",
    "employment",
    "normal_gap",
    "cyclical_gap",
    "structural_gap",
    "expansion_demand",
    "replacement_demand",
    "school_leaver_inflow",
    "unemployed_inflow",
    "other_entrants",
    "other_entrant_rate",
    "openings_since_base",
    "entrants_since_base",
)
SUPPLY_RULES = ("behavioural", "base_shares", "trend", "constant_rate")


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
    # how far the calibrated other-entrant rate moves when an assumption behind the history's flows takes another
    # value (the calibration absorbs what the assumed flows do not hold): scalar or (draws, 1)
    rate_shift: np.ndarray | float = 0.0


def project(
    history: History,
    calibration: Calibration,
    drivers: Drivers,
    damping: float | np.ndarray,
    long_run_growth: float,
    cycle: Cycle,
    response: Response,
    supply_rule: str = "behavioural",
) -> dict[str, np.ndarray]:
    """The account from the last year of `history` over `drivers.years`. `long_run_growth` is the log growth a
    year that the employment trend fades into; `damping` is a number or one per draw, (draws, 1). Every output has
    the shape of the drivers (with draws if any input has them)."""
    if supply_rule not in SUPPLY_RULES:
        raise ValueError(f"supply_rule {supply_rule!r} is not one of {SUPPLY_RULES}")
    if supply_rule == "behavioural":
        return _behavioural(history, calibration, drivers, damping, long_run_growth, cycle, response)
    return _on_trend(history, calibration, drivers, damping, long_run_growth, cycle, supply_rule)


def damped_trend(
    own_trend: float, long_run_growth: float, damping: float | np.ndarray, years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Log growth a year for `years` years: the series' own trend fading into the long-run growth at `damping` a
    year (the demand for filled jobs), and the fade itself."""
    fade = np.asarray(damping) ** np.arange(years)
    return long_run_growth + (own_trend - long_run_growth) * fade, fade


def employment_trend(
    calibration: Calibration, years: int, damping: float | np.ndarray, long_run_growth: float
) -> tuple[np.ndarray, np.ndarray]:
    """The demand for filled jobs' growth a year over `years` years: the calibration years' employment trend fading
    into the long-run growth, and the fade itself."""
    own_trend = calibration.summary()["employment_growth"][0]
    return damped_trend(own_trend, long_run_growth, damping, years)


def _behavioural(
    history: History,
    calibration: Calibration,
    drivers: Drivers,
    damping: float | np.ndarray,
    long_run_growth: float,
    cycle: Cycle,
    response: Response,
) -> dict[str, np.ndarray]:
    trend, _ = employment_trend(calibration, len(drivers.years), damping, long_run_growth)
    flows = (drivers.school_leavers, drivers.unemployed_inflow, drivers.outflow_rate, drivers.extra_entrants)
    shape = np.broadcast(*flows, drivers.demand_shift, drivers.rate_shift, trend).shape
    school, unemployed, outflow_rate, extra = (np.broadcast_to(f, shape) for f in flows)
    trend, shift, rate_shift = (np.broadcast_to(a, shape) for a in (trend, drivers.demand_shift, drivers.rate_shift))
    cyclical_rate = cycle.rate(np.arange(1, shape[-1] + 1)) - cycle.normal_rate
    out = {name: np.zeros(shape) for name in PROJECTED}
    supply = np.full(shape[:-1], history.employment[-1])
    wanted = np.full(shape[:-1], history.employment[-1])  # E*: the filled jobs demand asks for
    demand = np.full(shape[:-1], history.demand[-1])
    openings = np.full(shape[:-1], history.unfilled[-1])
    entrants = np.zeros(shape[:-1])
    shortfall = np.zeros(shape[:-1])  # of supply below the demand for filled jobs, as a share of supply
    for j in range(shape[-1]):
        wanted = wanted * np.exp(trend[..., j] + shift[..., j])
        before = supply
        replacement = before * outflow_rate[..., j]
        other = before * response.rate(shortfall, rate_shift[..., j]) + extra[..., j]  # entrants from abroad on top
        inflow = school[..., j] + unemployed[..., j] + other
        supply = before - replacement + inflow
        normal, cyclical = cycle.normal_rate * wanted, cyclical_rate[j] * wanted
        structural = wanted - supply
        gap = normal + cyclical + structural
        new_demand = supply + gap
        openings = openings + (new_demand - demand) + replacement
        entrants = entrants + inflow
        shortfall = structural / supply
        for name, value in (
            ("demand", new_demand),
            ("supply", supply),
            ("gap", gap),
            ("employment", np.minimum(supply, wanted)),
            ("normal_gap", normal),
            ("cyclical_gap", cyclical),
            ("structural_gap", structural),
            ("expansion_demand", new_demand - demand),
            ("replacement_demand", replacement),
            ("school_leaver_inflow", school[..., j]),
            ("unemployed_inflow", unemployed[..., j]),
            ("other_entrants", other),
            ("other_entrant_rate", other / before),
            ("openings_since_base", openings),
            ("entrants_since_base", entrants),
        ):
            out[name][..., j] = value
        demand = new_demand
    return out


def _on_trend(
    history: History,
    calibration: Calibration,
    drivers: Drivers,
    damping: float | np.ndarray,
    long_run_growth: float,
    cycle: Cycle,
    supply_rule: str,
) -> dict[str, np.ndarray]:
    """The rules the behavioural one was chosen over: demand on its own trend with the calibration years' tightening
    carried on (fading), supply on the employment trend (`base_shares`, `trend`) or at the mean other-entrant rate
    (`constant_rate`). The normal gap is the long-run vacancy rate's share of demand, the rest of the gap counts
    as structural: nothing in these rules tells the cycle apart."""
    rates = calibration.summary()
    excess = rates["demand_growth"][0] - rates["employment_growth"][0]
    trend, fade = employment_trend(calibration, len(drivers.years), damping, long_run_growth)
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
    normal_share = cycle.normal_rate / (1 + cycle.normal_rate)
    for j in range(shape[-1]):
        new_demand = demand * np.exp(trend[..., j] + excess * fade[..., j] + shift[..., j])
        replacement = supply * outflow_rate[..., j]
        if other_rate is None:
            other = supply * np.exp(trend[..., j]) - (supply - replacement + school[..., j] + unemployed[..., j])
        else:
            other = supply * other_rate[..., j]
        other = other + extra[..., j]
        inflow = school[..., j] + unemployed[..., j] + other
        rate = other / supply
        supply = supply - replacement + inflow
        openings = openings + (new_demand - demand) + replacement
        entrants = entrants + inflow
        gap = new_demand - supply
        for name, value in (
            ("demand", new_demand),
            ("supply", supply),
            ("gap", gap),
            ("employment", np.minimum(supply, new_demand)),
            ("normal_gap", normal_share * new_demand),
            ("cyclical_gap", np.zeros_like(gap)),
            ("structural_gap", gap - normal_share * new_demand),
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
