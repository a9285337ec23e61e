"""The gap model as a whole: per group x skill the account projected to the end year, with intervals drawn from the
backtest's errors (which hold the input forecasts' errors) and the skill-share bounds; and the frames the release
reports beside the gaps (calibration, history, parameters, accuracy).

Pure: takes `ModelData` (models/gap/inputs.py) and returns polars frames."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from models.gap.backtest import GROUP_LEVEL, error_model, interval_errors
from models.gap.inputs import ModelData, Unit, units_at
from models.gap.output import DemandPath
from models.gap.projection import demand_of, project_unit

GAP_MODEL = (
    "talentgap stock-flow gap model v3 (gap = normal + cyclical + structural: the vacancy rate's distance from normal "
    "fading at its 1997-2022 speed; supply on calibrated behaviour, answering tightness)"
)
DRAWS = 4000
SUPPRESS_WIDTH = 0.5  # share bounds wider than this part of the point: the point is suppressed
SEED = 20261129
# ROA's ITA classes, read as prospects for the worker: a low ITA is a shortage for employers
ITA_CLASSES = ((0.85, "zeer goed"), (1.00, "goed"), (1.05, "redelijk"), (1.15, "matig"), (float("inf"), "slecht"))


def ita_class(ita: float | None) -> str | None:
    if ita is None or not np.isfinite(ita):
        return None
    return next(label for limit, label in ITA_CLASSES if ita <= limit)


def ita(newcomers: float, expansion: float, replacement: float) -> float | None:
    """ROA's ITA: newcomers on the labour market (school-leavers and the unemployed who start in the skill's jobs)
    against the demand for newcomers (expansion demand, if positive, plus replacement demand), over the same years."""
    openings = max(expansion, 0.0) + replacement
    return newcomers / openings if openings > 0 else None


def tightness(open_vacancies: float, unemployed: float) -> float | None:
    """Open vacancies per unemployed person seeking the same jobs in the base year: CBS's "spanning" (per 100
    unemployed) / 100. UWV's spanningsindicator counts WW benefits younger than six months instead of all the
    unemployed; these tables hold no benefit series, so its classes are not given."""
    return open_vacancies / unemployed if unemployed > 0 else None


def suppressed(unit: Unit) -> bool:
    """A cell whose skill share CBS does not publish and whose bounds are wider than half the point: its point says
    little, so the letter gives its band only (as CBS marks a cell "x") and no headline quotes it."""
    share = unit.vacancy_share
    return not share.published and share.upper - share.lower > SUPPRESS_WIDTH * share.point


def unit_rng(unit: Unit) -> np.random.Generator:
    """A unit's own stream of draws: its intervals do not move when another group is added or taken away."""
    return np.random.default_rng([SEED, zlib.crc32(f"{unit.group}|{unit.skill}".encode())])


def _triangular(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """Factor draws between the share bounds with the point estimate (1) most likely."""
    low, high = min(low, 1.0), max(high, 1.0)
    if high - low < 1e-12:
        return np.ones(n)
    return rng.triangular(low, 1.0, high, n)


@dataclass(frozen=True)
class Simulation:
    """One group x skill projected from the base year: the point, and the Monte Carlo draws its intervals come
    from. `factor` is each draw's skill-share factor; scenarios pair their draws with these."""

    unit: Unit
    years: np.ndarray
    point: dict[str, np.ndarray]
    factor: np.ndarray  # (draws, 1)
    gap_draws: np.ndarray  # (draws, years)
    employment_draws: np.ndarray
    demand: DemandPath  # the demand for filled jobs' growth in its parts: output, productivity, intensity


def simulate(data: ModelData, errors: pl.DataFrame, end_year: int) -> list[Simulation]:
    """Every group x skill (the national units included, for the reconciliation) from the base year to
    `end_year`: the point on the input forecasts and draws of the share factor and the backtest's errors."""
    years = np.arange(data.last_year + 1, end_year + 1)
    simulations = []
    for unit in units_at(data, data.last_year):
        point = project_unit(unit, data, years, forecasts=True)
        rng = unit_rng(unit)
        factor = _triangular(rng, *unit.share_factor_bounds, DRAWS)[:, None]
        base_gap = unit.history.unfilled[-1]
        horizons = range(1, len(years) + 1)
        model_error = np.stack([error_model(errors, h).draws(rng, DRAWS) for h in horizons], axis=1)
        # the backtest forecast its inputs too, so its errors hold the inputs' uncertainty: not drawn again here
        gap_draws = factor * (point["gap"] + model_error * base_gap)
        # employment's errors are the unit's own: pooled, the volatile small cells would set every group's fan
        own = errors.filter(
            pl.col("level") == GROUP_LEVEL, pl.col("sector_group") == unit.group, pl.col("skill") == unit.skill
        )
        employment_error = np.stack(
            [error_model(own, h, "employment_relative_error", pooled=False).draws(rng, DRAWS) for h in horizons], axis=1
        )
        base_employment = unit.history.employment[-1]
        employment_draws = factor * (point["employment"] + employment_error * base_employment)
        demand = demand_of(unit, data, years)
        simulations.append(Simulation(unit, years, point, factor, gap_draws, employment_draws, demand))
    return simulations


def simulations_frame(simulations: list[Simulation]) -> pl.DataFrame:
    """One row per group x skill x year from the base year, with every component, the calibrated rates and the
    80% and 95% intervals."""
    rows = []
    for s in simulations:
        rows += _rows(s.unit, s.point, s.gap_draws, s.employment_draws, s.factor, s.years, s.demand)
    return pl.DataFrame(rows)


def publish_frame(data: ModelData, errors: pl.DataFrame, end_year: int) -> tuple[pl.DataFrame, list[Unit]]:
    """One row per group x skill x year from the base year to `end_year` (the national rows included, for the
    reconciliation), and the units behind them."""
    simulations = simulate(data, errors, end_year)
    return simulations_frame(simulations), [s.unit for s in simulations]


def _rows(
    unit: Unit,
    point: dict,
    gap_draws: np.ndarray,
    employment_draws: np.ndarray,
    factor: np.ndarray,
    years: np.ndarray,
    demand: DemandPath,
) -> list[dict]:
    """The base year (observed; its interval is the share bounds') and the projected years of one unit."""
    history, calibration = unit.history, unit.calibration
    base_gap, base_demand = float(history.unfilled[-1]), float(history.demand[-1])
    rates = calibration.summary()
    low_f, high_f = unit.share_factor_bounds
    common = {
        "sector_group": unit.group,
        "skill": unit.skill,
        "base_year": unit.origin,
        "skill_share": unit.employment_share,
        "skill_share_lower": unit.employment_share * low_f,
        "skill_share_upper": unit.employment_share * high_f,
        "skill_share_published": unit.vacancy_share.published,
        "skill_share_basis": unit.basis,
        "point_suppressed": suppressed(unit),
        "hires_share": unit.hires_share,
        "outflow_rate": float(history.outflow_rate[-1]),
        "other_entrant_rate_calibrated": rates["other_entrant_rate"][0],
        "demand_growth": rates["demand_growth"][0],
        "employment_growth": rates["employment_growth"][0],
        "long_run_growth": unit.long_run_growth,
        "normal_ratio": unit.normal_ratio,
        "vacancy_persistence": unit.cycle.persistence,
        "entry_response": unit.response.adjustment,
        "tightness_base_year": tightness(base_gap, unit.matching_unemployed),
    }
    base_employment = float(history.employment[-1])
    cycle = unit.cycle
    rows = [
        common
        | {
            "year": unit.origin,
            "observed": True,
            "demand": base_demand,
            "supply": base_employment,
            "gap": base_gap,
            "employment": base_employment,
            "normal_gap": cycle.normal_rate * base_employment,
            "cyclical_gap": base_gap - cycle.normal_rate * base_employment,
            "structural_gap": 0.0,
            "expansion_demand": 0.0,
            "replacement_demand": 0.0,
            "school_leaver_inflow": 0.0,
            "unemployed_inflow": 0.0,
            "other_entrants": 0.0,
            "other_entrant_rate": float(calibration.other_entrant_rate[-1]),
            "openings_since_base": base_gap,
            "entrants_since_base": 0.0,
            "supply_demand_ratio": None,
            "ita": None,
        }
        | _observed_growth(unit)
        | bands(base_gap * factor[:, 0], base_gap)
    ]
    newcomers = expansion = replacement = 0.0
    for j, year in enumerate(years):
        values = {name: float(point[name][j]) for name in point}
        newcomers += values["school_leaver_inflow"] + values["unemployed_inflow"]
        expansion += values["expansion_demand"]
        replacement += values["replacement_demand"]
        # entrants of every kind against the openings that arose after the base year (expansion + replacement)
        new_openings = values["openings_since_base"] - base_gap
        ratio = values["entrants_since_base"] / new_openings if new_openings > 0 else None
        rows.append(
            common
            | values
            | {
                "year": int(year),
                "observed": False,
                "supply_demand_ratio": ratio,
                "ita": ita(newcomers, expansion, replacement),
                "output_growth": float(demand.output[j]),
                "labour_productivity_growth": float(demand.productivity[j]),
                "skill_intensity_growth": float(demand.intensity[j]),
            }
            | bands(gap_draws[:, j], values["gap"])
        )
        # employment's 80% interval: its own backtest errors with the share bounds, holding the point
        low, high = np.quantile(employment_draws[:, j], (0.1, 0.9))
        rows[-1] |= {
            "employment_lower": min(float(low), rows[-1]["employment"]),
            "employment_upper": max(float(high), rows[-1]["employment"]),
        }
    rows[0] |= {"employment_lower": rows[0]["employment"] * low_f, "employment_upper": rows[0]["employment"] * high_f}
    for row in rows:
        row["ita_class"] = ita_class(row["ita"])
    return rows


def _observed_growth(unit: Unit) -> dict[str, float | None]:
    """The base year's growth of the unit's workers in its parts: its sectors' output and labour productivity
    growth (national accounts) and the skill's intensity, the rest of its employment growth."""
    growth, year = unit.sector_growth, unit.origin
    if year not in growth.output or year not in growth.labour:
        return dict.fromkeys(("output_growth", "labour_productivity_growth", "skill_intensity_growth"))
    employment = unit.history.employment
    return {
        "output_growth": growth.output[year],
        "labour_productivity_growth": growth.productivity(year),
        "skill_intensity_growth": float(np.log(employment[-1] / employment[-2])) - growth.labour[year],
    }


def bands(draws: np.ndarray, point: float, name: str = "gap") -> dict[str, float]:
    """`name`'s 80% and 95% intervals from draws (`<name>_lower`, `_upper`, `_lower_95`, `_upper_95`), widened
    where needed so that they hold the published point."""
    lower_80, upper_80, lower_95, upper_95 = np.quantile(draws, (0.1, 0.9, 0.025, 0.975))
    return {
        f"{name}_lower": min(float(lower_80), point),
        f"{name}_upper": max(float(upper_80), point),
        f"{name}_lower_95": min(float(lower_95), float(lower_80), point),
        f"{name}_upper_95": max(float(upper_95), float(upper_80), point),
    }


def calibration_frame(units: list[Unit]) -> pl.DataFrame:
    """The account closed on every year of the history, per group x skill: the flows and the calibrated rates."""
    rows = []
    for unit in units:
        c = unit.calibration
        previous = unit.history.employment[:-1]
        for j, year in enumerate(c.years):
            rows.append(
                {
                    "sector_group": unit.group,
                    "skill": unit.skill,
                    "year": int(year),
                    "employment_before": float(previous[j]),
                    "outflow": float(c.outflow[j]),
                    "school_leaver_inflow": float(c.school_leavers[j]),
                    "unemployed_inflow": float(c.unemployed_inflow[j]),
                    "other_entrants": float(c.other_entrants[j]),
                    "employment": float(unit.history.employment[j + 1]),
                    "unfilled": float(unit.history.unfilled[j + 1]),
                    "other_entrant_rate": float(c.other_entrant_rate[j]),
                    "demand_growth": float(c.demand_growth[j]),
                    "employment_growth": float(c.employment_growth[j]),
                    "in_means": bool(c.in_means[j]),
                }
            )
    return pl.DataFrame(rows)


def history_frame(calibration: pl.DataFrame) -> pl.DataFrame:
    """The observed years per group x skill as the charts show them: employment, demand (filled + unfilled jobs)
    and the gap (the unfilled jobs at year end), with the data source."""
    return calibration.select(
        "data_source",
        "sector_group",
        "skill",
        "year",
        "employment",
        (pl.col("employment") + pl.col("unfilled")).alias("demand"),
        pl.col("unfilled").alias("gap"),
    )


def parameters_frame(units: list[Unit]) -> pl.DataFrame:
    """Calibrated rates per group x skill with their spread over the calibration years: published parameters."""
    rows = []
    for unit in units:
        c = unit.calibration
        for name, (mean, sd, low, high) in c.summary().items():
            rows.append(
                {
                    "sector_group": unit.group,
                    "skill": unit.skill,
                    "parameter": name,
                    "value": mean,
                    "std": sd,
                    "min": low,
                    "max": high,
                    "first_year": int(c.years[0]),
                    "last_year": int(c.years[-1]),
                    "years_left_out": ", ".join(str(y) for y in c.years[~c.in_means]),
                }
            )
        # what the demand for the unit's workers grew with over the calibration years (national accounts)
        for name, values in _growth_history(unit).items():
            spread = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            rows.append(
                rows[-1]
                | {"parameter": name, "value": float(values.mean()), "std": spread}
                | {"min": float(values.min()), "max": float(values.max())}
            )
        # what the projection's cycle and supply behaviour rest on: estimated, not assumed
        for name, value in (
            ("normal_vacancy_rate", unit.cycle.normal_rate),
            ("vacancy_persistence", unit.cycle.persistence),
            ("entry_response", unit.response.adjustment),
        ):
            rows.append(rows[-1] | {"parameter": name, "value": value, "std": None, "min": None, "max": None})
    return pl.DataFrame(rows)


def _growth_history(unit: Unit) -> dict[str, np.ndarray]:
    """Per calibration year in the means (that the national accounts hold): the unit's sectors' output and
    productivity growth and the skill's intensity growth (its employment growth beyond the sectors' labour)."""
    c, growth = unit.calibration, unit.sector_growth
    keep = [j for j, y in enumerate(c.years) if c.in_means[j] and int(y) in growth.output and int(y) in growth.labour]
    years = [int(c.years[j]) for j in keep]
    return {
        "output_growth_history": np.array([growth.output[y] for y in years]),
        "labour_productivity_growth_history": np.array([growth.productivity(y) for y in years]),
        "skill_intensity_growth_history": np.array(
            [c.employment_growth[j] - growth.labour[y] for j, y in zip(keep, years, strict=True)]
        ),
    }


GAP_ACCURACY_MEASURE = "mean absolute error of the gap 1-4 years ahead (persons) from the backtest's base years"


def accuracy_frame(errors: pl.DataFrame, forecast_accuracy: pl.DataFrame) -> pl.DataFrame:
    """How well the release's models did against their baselines, on one table: the gap model per skill (mean
    absolute error against no change, in persons) and the input forecasts per CBS table (mean MASE against each
    series' best baseline); with the coverage of their 80% and 95% intervals."""
    groups = interval_errors(errors)
    first, last = groups["origin"].min(), groups["origin"].max()
    gaps = (
        groups.group_by("skill")
        .agg(
            (pl.col("observed") - pl.col("predicted")).abs().mean().alias("model_error"),
            (pl.col("observed") - pl.col("baseline")).abs().mean().alias("baseline_error"),
            pl.col("in_80").mean().alias("coverage_80"),
            pl.col("in_95").mean().alias("coverage_95"),
            pl.len().alias("n"),
        )
        .select(
            pl.lit("gap_model").alias("kind"),
            pl.col("skill").alias("subject"),
            pl.lit(
                f"mean absolute error of the gap 1-4 years ahead (persons), base years {first}-{last}; baseline: "
                "no change"
            ).alias("measure"),
            "model_error",
            "baseline_error",
            "coverage_80",
            "coverage_95",
            "n",
        )
    )
    inputs = forecast_accuracy.select(
        pl.lit("input_forecast").alias("kind"),
        pl.col("table_id").alias("subject"),
        pl.lit("mean MASE of the chosen forecasts; baseline: each series' best of naive, seasonal naive, drift").alias(
            "measure"
        ),
        pl.col("mase_chosen").alias("model_error"),
        pl.col("mase_best_baseline").alias("baseline_error"),
        "coverage_80",
        "coverage_95",
        pl.col("series").alias("n"),
    )
    return (
        pl.concat([gaps.sort("subject"), inputs.sort("subject")], how="vertical_relaxed")
        .with_columns((100 * (pl.col("model_error") / pl.col("baseline_error") - 1)).alias("vs_baseline_pct"))
        .with_columns(pl.col("n").cast(pl.Int64))
    )
