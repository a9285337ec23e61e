"""Gap accounting: expansion + replacement demand against school-leaver and unemployed inflow, per group and skill.

Every input is a yearly path (observed at the base year, forecast after it) with an 80% interval. The published
numbers come from the point paths, so the components add up exactly; the interval of the gap comes from simulating
every input from its forecast distribution and pushing the draws through the same accounting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

SKILLS = ("technical", "digital")
Z80 = 1.2815515655446004  # standard normal quantile of 0.9
SIMULATION_DRAWS = 4000


@dataclass(frozen=True)
class YearlyPath:
    """One input series by calendar year: point values and the 80% interval around them."""

    years: np.ndarray
    point: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray

    def at(self, years: np.ndarray) -> YearlyPath:
        missing = sorted(set(years.tolist()) - set(self.years.tolist()))
        if missing:
            raise ValueError(f"path has no values for year(s) {missing}")
        idx = np.searchsorted(self.years, years)
        return YearlyPath(years, self.point[idx], self.lower_80[idx], self.upper_80[idx])

    def draws(self, z: np.ndarray) -> np.ndarray:
        """Two-piece normal draws, one z per draw shared by all years: errors of a path move together."""
        below = (self.point - self.lower_80) / Z80
        above = (self.upper_80 - self.point) / Z80
        z = z[:, None]
        return self.point + np.where(z < 0, z * below, z * above)


@dataclass(frozen=True)
class GroupInputs:
    employment: list[tuple[float, YearlyPath]]  # weighted employment paths (persons)
    base_vacancies: float  # open vacancies at the end of the base year (persons), weighted
    skill_shares: dict[str, float]  # skill -> share of the group's jobs
    skill_share_basis: dict[str, str]  # skill -> where the share comes from, in words


@dataclass(frozen=True)
class GapInputs:
    base_year: int
    end_year: int
    groups: dict[str, GroupInputs]  # includes "national", used to share supply out over the groups
    school_leavers: dict[str, list[YearlyPath]]  # skill -> inflow paths entering the labour market (persons)
    unemployed: YearlyPath  # unemployed persons, national
    outflow_rate: float
    unemployed_inflow_share: dict[str, float]  # skill -> share of the unemployed entering work per year
    seed: int = 20261128
    draws: int = SIMULATION_DRAWS
    years: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", np.arange(self.base_year, self.end_year + 1))


def _accounts(inputs: GapInputs, sample: dict[str, np.ndarray]) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """The gap accounting for one set of input values (rows = draws, columns = base year .. end year)."""
    results = {}
    for skill in SKILLS:
        national_supply = sum(sample[f"school:{skill}:{i}"] for i in range(len(inputs.school_leavers[skill])))
        unemployed_inflow = sample["unemployed"] * inputs.unemployed_inflow_share[skill]
        per_group = {}
        for name, group in inputs.groups.items():
            employment = sum(w * sample[f"employment:{name}:{i}"] for i, (w, _) in enumerate(group.employment))
            stock = employment * group.skill_shares[skill]
            expansion = np.diff(stock, axis=1)
            replacement = stock[:, :-1] * inputs.outflow_rate
            existing = np.zeros_like(expansion)
            existing[:, 0] = group.base_vacancies * group.skill_shares[skill]
            openings = np.maximum(expansion, 0) + replacement
            per_group[name] = {
                "employment": stock[:, 1:],
                "expansion_demand": expansion,
                "replacement_demand": replacement,
                "existing_vacancies": existing,
                "openings": openings,
            }
        national_openings = per_group["national"]["openings"]
        for name, accounts in per_group.items():
            if name == "national":
                continue
            share = np.divide(
                accounts["openings"],
                national_openings,
                out=np.zeros_like(national_openings),
                where=national_openings > 0,
            )
            school = national_supply[:, 1:] * share
            unemployed = unemployed_inflow[:, 1:] * share
            demand = accounts["expansion_demand"] + accounts["replacement_demand"] + accounts["existing_vacancies"]
            supply = school + unemployed
            results[(name, skill)] = {
                **accounts,
                "supply_allocation_share": share,
                "school_leaver_inflow": school,
                "unemployed_inflow": unemployed,
                "demand": demand,
                "supply": supply,
                "annual_gap": demand - supply,
                "gap": np.cumsum(demand - supply, axis=1),
            }
    return results


def _paths(inputs: GapInputs) -> dict[str, YearlyPath]:
    paths = {"unemployed": inputs.unemployed.at(inputs.years)}
    for skill, skill_paths in inputs.school_leavers.items():
        for i, path in enumerate(skill_paths):
            paths[f"school:{skill}:{i}"] = path.at(inputs.years)
    for name, group in inputs.groups.items():
        for i, (_, path) in enumerate(group.employment):
            paths[f"employment:{name}:{i}"] = path.at(inputs.years)
    return paths


def compute_gaps(inputs: GapInputs) -> pl.DataFrame:
    """One row per group x skill x year after the base year, with the components and an 80% gap interval."""
    paths = _paths(inputs)
    point = _accounts(inputs, {key: path.point[None, :] for key, path in paths.items()})
    rng = np.random.default_rng(inputs.seed)
    simulated = _accounts(inputs, {key: path.draws(rng.standard_normal(inputs.draws)) for key, path in paths.items()})
    rows = []
    for (group, skill), accounts in point.items():
        gap_draws = simulated[(group, skill)]["gap"]
        lower, upper = np.quantile(gap_draws, [0.1, 0.9], axis=0)
        for j, year in enumerate(inputs.years[1:]):
            row = {"sector_group": group, "skill": skill, "year": int(year), "base_year": inputs.base_year}
            row["skill_share"] = inputs.groups[group].skill_shares[skill]
            row["skill_share_basis"] = inputs.groups[group].skill_share_basis[skill]
            row |= {name: float(values[0, j]) for name, values in accounts.items()}
            # The point path and the simulation quantiles come from the same distributions; clip so the published
            # interval always holds the published gap even when the gap is skewed.
            row["gap_lower"] = min(float(lower[j]), row["gap"])
            row["gap_upper"] = max(float(upper[j]), row["gap"])
            rows.append(row)
    return pl.DataFrame(rows).drop("openings")


def skill_shares(numerators: pl.DataFrame, denominators: pl.DataFrame, occupation_skills: pl.DataFrame) -> pl.DataFrame:
    """Share of each skill in a group's jobs: its occupation classes' count over the group's total count.

    `numerators` has sector_group, occupation_code and value (new vacancies or employment); only two-digit BRC
    classes count, so that classes and their segments are not added twice. `denominators` has sector_group and
    total. A class the source did not publish contributes nothing, so a share is a lower bound where cells are
    missing.
    """
    classes = numerators.filter(pl.col("occupation_code").str.len_chars() == 2)
    tagged = classes.join(
        occupation_skills.select(pl.col("brc_class").alias("occupation_code"), "skill"),
        on="occupation_code",
        how="inner",
    )
    by_skill = tagged.group_by("sector_group", "skill").agg(
        pl.col("value").fill_null(0.0).sum(), pl.col("value").is_not_null().sum().alias("cells_published")
    )
    grid = denominators.join(pl.DataFrame({"skill": list(SKILLS)}), how="cross")
    return (
        grid.join(by_skill, on=["sector_group", "skill"], how="left")
        .with_columns(
            (pl.col("value").fill_null(0.0) / pl.col("total")).clip(0.0, 1.0).alias("share"),
            pl.col("cells_published").fill_null(0).cast(pl.Int64),
        )
        .select("sector_group", "skill", "share", "cells_published")
        .sort("sector_group", "skill")
    )


def outflow_rate(employed_by_age: dict[str, float], retirement_window_years: float, other_exit_rate: float) -> float:
    """Yearly share of workers to replace: those aged 55+ leave within the retirement window, plus other exits."""
    older = employed_by_age["55 tot 65 jaar"] + employed_by_age["65 tot 75 jaar"]
    return older / employed_by_age["15 tot 75 jaar"] / retirement_window_years + other_exit_rate
