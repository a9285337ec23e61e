"""Policy scenarios on the gap model, and the account under other values of its assumptions (pure: numpy and
polars, no Dagster).

A scenario is a named set of changes to the projection's flows from a year on, kept as rows of
warehouse/seeds/scenarios.csv (`read_scenarios` validates them). The levers are the model's own inputs: the
school-leavers, the rate at which the unemployed take up work, the retirement window and other exits, entrants
from abroad and the growth of demand. A parameter lever is read against the seed's value (0.4 against 0.3 is a
third more), so that the same change can be applied under every draw of the uncertain assumptions.

A scenario's effect is its gap minus the baseline's under the same draws: the skill-share factor, and the
assumptions drawn between the `low` and `high` of warehouse/seeds/parameters.csv. The backtest's errors are the
same in both and cancel; what is left is how sure we are of the levers' pass-through.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from models.gap.inputs import NATIONAL, SKILLS, ModelData, Unit
from models.gap.model import DRAWS, SEED, Simulation, bands
from models.gap.projection import driver_paths
from models.gap.stock_flow import Drivers, project

BASELINE = "baseline"
ALL = "all"
SCENARIO_COLUMNS = ("scenario", "lever", "sector_group", "skill", "value", "from_year", "description")


class ScenarioError(ValueError):
    """A scenario or a parameter in the seeds cannot be used."""


@dataclass(frozen=True)
class Lever:
    meaning: str
    unit: str
    low: float
    high: float
    parameter: str | None = None  # the named assumption it moves (read against its seed value)
    by_group: bool = True  # False: the value is national, shared over the groups as their hires
    # assumptions of parameters.csv only this lever reads (drawn for its interval; the baseline never uses them)
    own_parameters: tuple[str, ...] = ()


LEVERS = {
    "school_leavers_factor": Lever(
        "first-year students of the skill's fields from the school year starting in from_year, as a multiple of "
        "today's (1.2 = 20% more): they graduate, and start in the skill's jobs at the usual rates, after the "
        "study's length (mbo_study_years, he_study_years), so the extra school-leavers come later per route",
        "factor",
        0.5,
        2.0,
        own_parameters=("he_study_years", "mbo_study_years"),
    ),
    "unemployed_reactivation_rate": Lever(
        "share of the matching unemployed who take up work in a year",
        "share per year",
        0.0,
        1.0,
        "unemployed_reactivation_rate",
    ),
    "retirement_window_years": Lever(
        "years within which workers aged 55 and over leave (11 against 10: retiring about a year later)",
        "years",
        5.0,
        20.0,
        "retirement_window_years",
    ),
    "other_exit_rate": Lever(
        "exits other than retirement, a share of employment a year", "share per year", 0.0, 0.1, "other_exit_rate"
    ),
    "entrants_from_abroad": Lever(
        "extra entrants from abroad into the skill's jobs a year, nationally (shared over the groups as their "
        "hires); each year's arrivals leave again along the retention curve (abroad_stay_2_years, "
        "abroad_stay_5_years, abroad_departure_rate_after_5_years)",
        "persons per year",
        0.0,
        100_000.0,
        by_group=False,
        own_parameters=("abroad_departure_rate_after_5_years", "abroad_stay_2_years", "abroad_stay_5_years"),
    ),
    "demand_growth": Lever(
        "extra growth of demand a year (0.01 = one percentage point)", "log growth per year", -0.05, 0.05
    ),
    # the letter's two levers, through demand = output growth - labour productivity growth + intensity
    # (models/gap/output.py): each moves the growth of the demand for workers by its difference from the baseline
    "output_growth": Lever(
        "the economy's output growth a year (0.015 = 1.5%), in place of the baseline's path (parameters.csv "
        "output_growth); every sector grows faster or slower by the difference, and so does the demand for workers",
        "log growth per year",
        -0.05,
        0.1,
        "output_growth",
        own_parameters=("output_growth",),  # the baseline's output path: the intensity takes up any other value
    ),
    "labour_productivity_growth": Lever(
        "labour productivity growth a year on top of the baseline's (0.005 = half a percentage point): the same "
        "output with fewer workers, so the demand for workers grows that much slower",
        "log growth per year",
        -0.05,
        0.05,
    ),
}


# the assumptions that move only a lever, never the published baseline: the tornado leaves them out
LEVER_PARAMETERS = frozenset(name for lever in LEVERS.values() for name in lever.own_parameters)


@dataclass(frozen=True)
class Change:
    lever: str
    sector_group: str  # a group, or "all"
    skill: str  # a skill, or "all"
    value: float
    from_year: int | None  # None: from the first projected year
    description: str
    line: int = 0  # the seed line it came from, for messages

    def overlaps(self, other: Change) -> bool:
        """The same lever on scopes that share a unit: the two would stack."""
        groups = ALL in (self.sector_group, other.sector_group) or self.sector_group == other.sector_group
        skills = ALL in (self.skill, other.skill) or self.skill == other.skill
        return self.lever == other.lever and groups and skills

    def applies_to(self, unit: Unit) -> bool:
        return self.sector_group in (ALL, unit.group) and self.skill in (ALL, unit.skill)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    changes: tuple[Change, ...]

    def changes_json(self) -> str:
        return json.dumps(
            [{k: v for k, v in c.__dict__.items() if k != "line"} for c in self.changes], ensure_ascii=False
        )


@dataclass(frozen=True)
class Range:
    low: float
    value: float
    high: float


def read_scenarios(
    frame: pl.DataFrame, groups: list[str], where: str = "warehouse/seeds/scenarios.csv"
) -> list[Scenario]:
    """The scenarios of the seed (text columns), the baseline first; any row that cannot be used is an error
    naming its line, column and value."""
    missing = [c for c in SCENARIO_COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError(f"{where}: lacks column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}")
    changes: dict[str, list[Change]] = {}
    descriptions: dict[str, list[str]] = {}
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        name, change = _read_row(row, groups, f"{where} line {line}", line)
        descriptions.setdefault(name, []).append(row["description"].strip())
        changes.setdefault(name, [])
        if change is None:
            continue
        clash = next((c for c in changes[name] if c.overlaps(change)), None)
        if clash is not None:
            raise ScenarioError(
                f"{where} line {line}, column lever (scenario {name!r}): {change.lever} for {change.sector_group} x "
                f"{change.skill} overlaps line {clash.line} ({clash.sector_group} x {clash.skill}): a lever is set "
                "once per group and skill, or the two would stack"
            )
        changes[name].append(change)
    if BASELINE not in changes:
        raise ScenarioError(f"{where}: has no row for the scenario {BASELINE!r}, which every other is compared with")
    empty = [name for name, found in changes.items() if name != BASELINE and not found]
    if empty:
        raise ScenarioError(f"{where}: scenario(s) {', '.join(empty)} change nothing")
    names = [BASELINE, *(n for n in changes if n != BASELINE)]
    return [Scenario(n, "; ".join(dict.fromkeys(descriptions[n])), tuple(changes[n])) for n in names]


def _read_row(row: dict, groups: list[str], where: str, line: int) -> tuple[str, Change | None]:
    """One seed row: its scenario's name and its change (None for the baseline's row)."""
    name = (row["scenario"] or "").strip()

    def fail(column: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{where}, column {column} (scenario {name!r}): {problem}")

    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise fail("scenario", "a scenario's name is lower-case letters, digits and _, starting with a letter")
    if not (row["description"] or "").strip():
        raise fail("description", "every row says in words what it changes")
    lever = (row["lever"] or "").strip()
    if name == BASELINE:
        if lever:
            raise fail("lever", "the baseline is the published forecast and changes nothing")
        return name, None
    if lever not in LEVERS:
        raise fail("lever", f"{lever!r} is not a lever; the levers are {', '.join(LEVERS)}")
    spec = LEVERS[lever]
    group = (row["sector_group"] or ALL).strip()
    if group not in (ALL, *groups):
        raise fail("sector_group", f"{group!r} is not a priority group; use one of {', '.join(groups)} or all")
    if group != ALL and not spec.by_group:
        raise fail("sector_group", f"{lever} is a national number, shared over the groups: use all")
    skill = (row["skill"] or ALL).strip()
    if skill not in (ALL, *SKILLS):
        raise fail("skill", f"{skill!r} is not a skill; use {', '.join(SKILLS)} or all")
    try:
        value = float(row["value"])
    except (TypeError, ValueError):
        raise fail("value", f"{row['value']!r} is not a number") from None
    if not spec.low <= value <= spec.high:
        raise fail(
            "value", f"{value:g} is outside {lever}'s range {spec.low:g} to {spec.high:g} ({spec.unit}: {spec.meaning})"
        )
    from_year = None
    text = (row["from_year"] or "").strip()
    if text:
        if not re.fullmatch(r"[0-9]{4}", text) or not 2000 <= int(text) <= 2100:
            raise fail("from_year", f"{text!r} is not a year (2000-2100)")
        from_year = int(text)
    return name, Change(lever, group, skill, value, from_year, row["description"].strip(), line)


def check_years(
    scenarios: list[Scenario], base_year: int, end_year: int, where: str = "warehouse/seeds/scenarios.csv"
) -> None:
    """Every change applies to some projected year: its from_year after the base year and not after the end year."""
    for scenario in scenarios:
        for change in scenario.changes:
            if change.from_year is not None and not base_year < change.from_year <= end_year:
                raise ScenarioError(
                    f"{where} line {change.line}, column from_year (scenario {scenario.name!r}): {change.from_year} "
                    f"is not a projected year ({base_year + 1}-{end_year}); leave it empty for the first projected year"
                )


def changes_after(frame: pl.DataFrame, end_year: int) -> list[tuple[int, str, int]]:
    """The seed's lines whose change starts after `end_year`, as (line, scenario, from_year): read from the text
    alone, so that the settings can refuse such an end year before any step runs (the seed's other rules are checked
    when it is loaded)."""
    late = []
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        text = (row.get("from_year") or "").strip()
        if re.fullmatch(r"[0-9]{4}", text) and int(text) > end_year:
            late.append((line, (row.get("scenario") or "").strip(), int(text)))
    return late


# What parameters.csv's numbers may be, by their unit. A share (every unit starting "share") and a rate of persons
# per person lie in 0-1; a span of years (the retirement window) within a working life; a year is a whole year of
# the data or the forecast. A new unit is refused until it is added here, so that no number goes unchecked.
RATE_UNITS = ("graduates per enrolled student per year",)
GROWTH_UNITS = ("log growth per year",)  # a growth rate of the economy: may be negative, never a tenth a year
GROWTH_RANGE = (-0.1, 0.1)
SPAN_YEARS = (1.0, 50.0)
PARAMETER_YEARS = (1990, 2040)


def check_parameters(parameters: pl.DataFrame, where: str = "warehouse/seeds/parameters.csv") -> None:
    """Every number of the seed can be used: `value`, `low` and `high` finite numbers within what their unit allows,
    and a value above 0 (levers and drawn values are read as ratios to it). An error names the line, the parameter,
    the column and the value."""
    for line, row in enumerate(parameters.iter_rows(named=True), start=2):
        _check_parameter(row, f"{where} line {line} ({row['name']})")


def _check_parameter(row: dict, where: str) -> None:
    unit = (row["unit"] or "").strip()
    texts = {column: (row[column] or "").strip() for column in ("value", "low", "high")}
    given = {column: text for column, text in texts.items() if text or column == "value"}  # low, high: optional

    def fail(column: str, text: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{where}, column {column}: {text!r} {problem}")

    if unit == "year":
        first, last = PARAMETER_YEARS
        for column, text in given.items():
            if not (re.fullmatch(r"[0-9]{4}", text) and first <= int(text) <= last):
                raise fail(column, text, f"is not a year ({first}-{last})")
        return
    if unit.startswith("share") or unit in RATE_UNITS:
        (low, high), kind = (0.0, 1.0), "a share or a rate"
    elif unit == "years":
        (low, high), kind = SPAN_YEARS, "a span of years"
    elif unit in GROWTH_UNITS:
        (low, high), kind = GROWTH_RANGE, "a growth rate"
    else:
        raise fail("unit", unit, "is not a unit whose numbers can be checked: share..., years, year or *_UNITS")
    for column, text in given.items():
        try:
            number = float(text) if text.isascii() else math.nan  # float() would take full-width digits too
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise fail(column, text, "is not a finite number")
        if not low <= number <= high:
            raise fail(column, text, f"is outside {low:g}-{high:g}, the range of {kind} ({unit})")
        if column == "value" and number == 0:
            raise fail(column, text, "must be above 0: levers and drawn values are read as ratios to it")


def parameter_ranges(parameters: pl.DataFrame, where: str = "warehouse/seeds/parameters.csv") -> dict[str, Range]:
    """The assumptions with a plausible range (`low`, `high`), as numbers, once every number of the seed is checked
    (`check_parameters`); a range that does not hold its value is an error naming the line."""
    check_parameters(parameters, where)
    ranges = {}
    for line, row in enumerate(parameters.iter_rows(named=True), start=2):
        if not (row.get("low") or row.get("high")):
            continue
        try:
            low, value, high = float(row["low"]), float(row["value"]), float(row["high"])
        except (TypeError, ValueError):
            raise ScenarioError(
                f"{where} line {line} ({row['name']}): columns low, value and high must be numbers, found "
                f"{row['low']!r}, {row['value']!r}, {row['high']!r}"
            ) from None
        if not low <= value <= high:
            raise ScenarioError(
                f"{where} line {line} ({row['name']}): {value:g} is not within its range {low:g}-{high:g}"
            )
        ranges[row["name"]] = Range(low, value, high)
    return ranges


Theta = dict[str, np.ndarray]  # assumption -> its values, one per draw, shape (draws, 1)


def draw_assumptions(ranges: dict[str, Range], rng: np.random.Generator, n: int) -> Theta:
    """Each assumption drawn on its own, triangular between its low and high with the seed's value most likely."""
    return {name: rng.triangular(r.low, r.value, r.high, n)[:, None] for name, r in sorted(ranges.items())}


def flows(
    unit: Unit, data: ModelData, years: np.ndarray, theta: Theta | None = None, changes: tuple[Change, ...] = ()
) -> tuple[Drivers, float | np.ndarray]:
    """The unit's drivers (and trend damping) on the input forecasts, under other values of the assumptions
    (`theta`; absent ones at their seed value) and with a scenario's `changes` from their years on. With no theta
    and no changes, exactly the drivers of the published projection."""
    theta, seed = theta or {}, data.parameters

    def ratio(name: str) -> float | np.ndarray:
        return theta.get(name, seed[name]) / seed[name]

    skill, base, history = unit.skill, unit.origin, unit.history
    routes = data.school_routes[skill]
    mbo, he = (np.array([routes[r].values[int(y)] for y in years]) for r in ("mbo", "he"))
    mbo_base, he_base = (routes[r].values.get(base, routes[r].values[min(routes[r].values)]) for r in ("mbo", "he"))
    k_mbo = ratio("mbo_entry_rate")
    k_he = ratio("he_graduates_per_enrolled") * ratio("he_entry_rate")
    k_match = ratio("field_match_rate")
    routes_base = mbo_base + he_base
    mix = (k_mbo * mbo_base + k_he * he_base) / routes_base if routes_base else 1.0
    school_base = history.school_leavers[-1] * k_match * mix
    reactivation = ratio(f"unemployed_share_{skill}") * ratio("unemployed_reactivation_rate")
    # the matching unemployed nationally (the year before's), and the share of them who take up work in a year
    pool = driver_paths(data, skill, base, years, forecasts=True).unemployed * seed[f"unemployed_share_{skill}"]
    pool = pool * ratio(f"unemployed_share_{skill}")
    rate = seed["unemployed_reactivation_rate"] * ratio("unemployed_reactivation_rate")
    boost = np.ones(len(years))
    window0, exit0 = seed["retirement_window_years"], seed["other_exit_rate"]
    retiring = (history.outflow_rate[-1] - exit0) * window0  # the share of workers aged 55+, as the seed reads it
    window = theta.get("retirement_window_years", window0) * np.ones_like(years, dtype=float)
    exits = theta.get("other_exit_rate", exit0) * np.ones_like(years, dtype=float)
    assumed_outflow = retiring / theta.get("retirement_window_years", window0) + theta.get("other_exit_rate", exit0)
    intake: dict[str, float | np.ndarray] = {"mbo": 1.0, "he": 1.0}  # each route's graduates against the forecast
    arrivals = np.zeros(len(years))  # entrants from abroad arriving each year (the lever's; they leave again)
    shift = np.zeros(len(years))
    for change in changes:
        if not change.applies_to(unit):
            continue
        first = change.from_year or int(years[0])
        on = years >= first
        lever = LEVERS[change.lever]
        factor = change.value / seed[lever.parameter] if lever.parameter else change.value
        if change.lever == "school_leavers_factor":
            for route in intake:
                length = theta.get(f"{route}_study_years", seed[f"{route}_study_years"])
                intake[route] = intake[route] * (1 + (factor - 1) * graduated(years, first, length))
        elif change.lever == "unemployed_reactivation_rate":
            boost = np.where(on, boost * factor, boost)
        elif change.lever == "retirement_window_years":
            window = np.where(on, window * factor, window)
        elif change.lever == "other_exit_rate":
            exits = np.where(on, exits * factor, exits)
        elif change.lever == "entrants_from_abroad":
            arrivals = arrivals + np.where(on, change.value * unit.hires_share, 0.0)
        elif change.lever == "demand_growth":
            shift = shift + np.where(on, change.value, 0.0)
        elif change.lever == "output_growth":  # against the baseline's output growth, drawn with the assumptions
            shift = shift + np.where(on, change.value - theta.get("output_growth", seed["output_growth"]), 0.0)
        elif change.lever == "labour_productivity_growth":
            shift = shift - np.where(on, change.value, 0.0)
    school = unit.hires_share * k_match * (k_mbo * mbo * intake["mbo"] + k_he * he * intake["he"])
    # the same outflow the baseline runs on (inputs.outflow_rate: the base year's workers aged 55+ over the
    # window, plus other exits), with the window and exits a scenario or a draw sets
    outflow = retiring / window + exits
    extra = np.zeros(len(years))
    if arrivals.any():
        curve = {name: theta.get(name, seed[name]) for name in LEVERS["entrants_from_abroad"].own_parameters}
        present = present_from_abroad(
            arrivals,
            curve["abroad_stay_2_years"],
            curve["abroad_stay_5_years"],
            curve["abroad_departure_rate_after_5_years"],
        )
        extra = abroad_flow(present, outflow)
    # the calibration under these values: history's flows change with the assumptions as the projection's do, and
    # the calibrated other-entrant rate absorbs the difference, as loading the model again with them would
    calibration_years = history.years[1:]

    def route_at(route: str, year: int) -> float:
        values = routes[route].values
        return values.get(int(year), values[min(values)])

    mbo_h, he_h = (np.array([route_at(r, y) for y in calibration_years]) for r in ("mbo", "he"))
    school_ratio = np.where(mbo_h + he_h > 0, k_match * (k_mbo * mbo_h + k_he * he_h) / (mbo_h + he_h), 1.0)
    school_h, unemployed_h = history.school_leavers[1:], history.unemployed_inflow[1:]
    outflow_h = history.outflow_rate[1:]
    outflow_h_theta = (outflow_h - exit0) * window0 / theta.get("retirement_window_years", window0) + theta.get(
        "other_exit_rate", exit0
    )
    absorbed = (school_h * (1 - school_ratio) + unemployed_h * (1 - reactivation)) / history.employment[:-1]
    absorbed = np.broadcast_to(absorbed + outflow_h_theta - outflow_h, np.broadcast(absorbed, outflow_h_theta).shape)
    rate_shift = absorbed[..., unit.calibration.in_means].mean(axis=-1, keepdims=True)
    drivers = Drivers(
        years=years,
        school_leavers=school,
        unemployed_inflow=reactivated(pool, rate, boost) * unit.hires_share,
        outflow_rate=outflow,
        extra_entrants=extra,
        demand_shift=shift,
        assumed_inflow=(school_base + history.unemployed_inflow[-1] * reactivation) / history.employment[-1],
        assumed_outflow=assumed_outflow,
        rate_shift=rate_shift if rate_shift.size > 1 else float(rate_shift.reshape(-1)[0]),
    )
    return drivers, theta.get("trend_damping", seed["trend_damping"])


def graduated(years: np.ndarray, first_intake: int, study_years: float | np.ndarray) -> np.ndarray:
    """The share of a larger intake's extra graduates on the labour market in each year, for an intake raised from
    the school year that starts in `first_intake`: none until the study's length has passed, all of them from then
    on (a course of 3 years started in September 2026 ends in 2029, the calendar year the inputs count its graduates
    in). A length between whole years, as a draw gives, phases them in: part of the cohort takes a year longer."""
    return np.clip(np.asarray(years) - (first_intake + np.asarray(study_years)) + 1, 0.0, 1.0)


def retention(
    years_since: np.ndarray,
    stay_2: float | np.ndarray,
    stay_5: float | np.ndarray,
    later_rate: float | np.ndarray,
) -> np.ndarray:
    """Of a year's entrants from abroad, the share still working in the Netherlands `years_since` years after the
    year they arrived (0: that year, all of them): through `stay_2` after two years and `stay_5` after five, falling
    by the same share each year in between (log-linear), and by `later_rate` a year after that. CBS finds most
    departures in the first years; a drawn `stay_5` above `stay_2` is read as `stay_2` (no cohort grows)."""
    k = np.asarray(years_since, dtype=float)
    stay_2, later_rate = np.asarray(stay_2), np.asarray(later_rate)
    stay_5 = np.minimum(stay_5, stay_2)
    early = stay_2 ** (np.minimum(k, 2.0) / 2)
    middle = (stay_5 / stay_2) ** (np.clip(k - 2.0, 0.0, 3.0) / 3)
    late = (1 - later_rate) ** np.maximum(k - 5.0, 0.0)
    return early * middle * late


def present_from_abroad(
    arrivals: np.ndarray,
    stay_2: float | np.ndarray,
    stay_5: float | np.ndarray,
    later_rate: float | np.ndarray,
) -> np.ndarray:
    """The lever's entrants from abroad still working in the skill's jobs each year: every year's `arrivals` (by
    projected year), each cohort thinning along `retention`. Shape (years,), or (draws, years) with drawn curves."""
    n = arrivals.shape[-1]
    curve = retention(np.arange(n), stay_2, stay_5, later_rate)  # (n,) or (draws, n)
    present = np.zeros(np.broadcast_shapes(curve.shape, arrivals.shape))
    for j in range(n):  # the cohort of year c counts retention(j - c) in year j
        present[..., j] = (arrivals[..., : j + 1] * curve[..., j::-1]).sum(axis=-1)
    return present


def abroad_flow(present: np.ndarray, outflow_rate: np.ndarray | float) -> np.ndarray:
    """The entrants the account adds each year so that the lever's entrants still present are `present`: the
    year's arrivals less the earlier cohorts' departures, plus what the account's own outflow (retirement, other
    exits) takes from them, since the retention curve already counts every departure of theirs."""
    before = np.zeros_like(present)
    before[..., 1:] = present[..., :-1]
    return present - before * (1 - np.asarray(outflow_rate))


def reactivated(pool: np.ndarray, rate: float | np.ndarray, boost: np.ndarray) -> np.ndarray:
    """The matching unemployed who take up work each year, nationally: `rate` of the pool, or `rate x boost` of what
    is left of it. Those a lever puts to work are no longer unemployed in the years after (the forecast of the
    unemployed does not know the lever), so a higher rate draws down the pool and its effect fades."""
    pool, rate, boost = np.broadcast_arrays(pool, rate, boost)
    out = np.empty(pool.shape)
    extra = np.zeros(pool.shape[:-1])  # taken up by the lever so far, beyond the baseline's rate
    for j in range(pool.shape[-1]):
        out[..., j] = np.maximum(pool[..., j] - extra, 0.0) * rate[..., j] * boost[..., j]
        extra = extra + out[..., j] - pool[..., j] * rate[..., j]
    return out


def run(unit: Unit, data: ModelData, years: np.ndarray, theta: Theta | None = None, changes=()) -> dict:
    """The unit's account under `theta` and `changes`."""
    drivers, damping = flows(unit, data, years, theta, changes)
    return project(unit.history, unit.calibration, drivers, damping, unit.long_run_growth, unit.cycle, unit.response)


def scenario_frame(
    simulations: list[Simulation], data: ModelData, scenarios: list[Scenario], ranges: dict[str, Range]
) -> pl.DataFrame:
    """Per scenario x group x skill x year (base year included; the national units too, as the whole economy's
    effect): the scenario's demand, supply and gap with 80% and 95% intervals, and its difference from the baseline
    with its intervals."""
    theta = draw_assumptions(ranges, np.random.default_rng(SEED + 1), DRAWS)  # national: the same for every unit
    rows = []
    for simulation in simulations:
        unit, years = simulation.unit, simulation.years
        baseline_draws = run(unit, data, years, theta)["gap"]
        base_gap = float(unit.history.unfilled[-1])
        observed = {
            "sector_group": unit.group,
            "skill": unit.skill,
            "base_year": unit.origin,
            "year": unit.origin,
            "observed": True,
            "demand": float(unit.history.demand[-1]),
            "supply": float(unit.history.employment[-1]),
            "baseline_gap": base_gap,
        }
        observed |= {"gap": base_gap, "difference": 0.0} | bands(base_gap * simulation.factor[:, 0], base_gap)
        observed |= bands(np.zeros(1), 0.0, "difference")
        for scenario in scenarios:
            applies = scenario.name == BASELINE or any(c.applies_to(unit) for c in scenario.changes)
            note = None if applies else "none of this scenario's changes applies to this group and skill"
            scoped = sorted({c.sector_group for c in scenario.changes if c.sector_group != ALL})
            if unit.group == NATIONAL and scoped:
                # a group's lever is not the economy's: the groups overlap and do not make it up
                note = f"changes {', '.join(scoped)} only: its effect on the whole economy is not modelled"
                rows.append(observed | {"scenario": scenario.name, "scenario_applies": False, "scenario_note": note})
                rows += [
                    _not_modelled(scenario.name, unit, int(y), note, float(baseline))
                    for y, baseline in zip(years, simulation.point["gap"], strict=True)
                ]
                continue
            rows.append(observed | {"scenario": scenario.name, "scenario_applies": applies, "scenario_note": note})
            point, effect = simulation.point, np.zeros(len(years))
            difference = np.zeros_like(simulation.gap_draws)
            if scenario.name != BASELINE and applies:
                point = run(unit, data, years, changes=scenario.changes)
                effect = point["gap"] - simulation.point["gap"]  # both on the seed's assumptions
                # a group's levers scale with its skill share (its flows are shares of the national ones); the
                # national units' flows are measured, so their effect does not
                scale = simulation.factor if unit.group != NATIONAL else 1.0
                difference = scale * (run(unit, data, years, theta, scenario.changes)["gap"] - baseline_draws)
            for j, year in enumerate(years):
                gap = float(simulation.point["gap"][j] + effect[j])
                rows.append(
                    {
                        "scenario": scenario.name,
                        "sector_group": unit.group,
                        "skill": unit.skill,
                        "base_year": unit.origin,
                        "year": int(year),
                        "observed": False,
                        "demand": float(point["demand"][j]),
                        "supply": float(point["supply"][j]),
                        "baseline_gap": float(simulation.point["gap"][j]),
                        "scenario_applies": applies,
                        "scenario_note": note,
                        "gap": gap,
                        "difference": float(effect[j]),
                    }
                    | bands(simulation.gap_draws[:, j] + difference[:, j], gap)
                    | bands(difference[:, j], float(effect[j]), "difference")
                )
    order = {s.name: i for i, s in enumerate(scenarios)}
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("scenario").replace_strict({s.name: s.description for s in scenarios}).alias("scenario_description"),
        pl.col("scenario").replace_strict({s.name: s.changes_json() for s in scenarios}).alias("scenario_changes"),
    )
    return frame.sort(pl.col("scenario").replace_strict(order), "sector_group", "skill", "year")


def _not_modelled(scenario: str, unit: Unit, year: int, note: str, baseline: float) -> dict:
    """A projected row whose numbers this scenario cannot give: empty, with the reason."""
    empty = {
        f"{name}{end}": None
        for name in ("gap", "difference")
        for end in ("", "_lower", "_upper", "_lower_95", "_upper_95")
    }
    return {
        "scenario": scenario,
        "sector_group": unit.group,
        "skill": unit.skill,
        "base_year": unit.origin,
        "year": year,
        "observed": False,
        "demand": None,
        "supply": None,
        "baseline_gap": baseline,
        "scenario_applies": False,
        "scenario_note": note,
    } | empty
