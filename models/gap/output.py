"""Demand for workers as output growth minus labour productivity growth, plus the skill's own intensity (pure: numpy,
no Dagster).

For a group's sectors, CBS's national accounts give output (value added in 2015 prices, 84105NED) and labour volume
(labour years, 85918NED) by year, so their log growths split as

    labour volume growth = output growth - labour productivity growth

and the growth of a skill's workers in the group adds its intensity: how much faster the skill grows than all the
sectors' labour (more ICT per unit of output, say):

    skill employment growth = output growth - productivity growth + intensity growth.

The projection's demand for filled jobs follows the employment trend the backtest chose (models/gap/stock_flow.py).
Re-expressed, its output and productivity growth are the seeds' national paths (`output_growth`, CPB;
`labour_productivity_growth`, CBS) plus the group's sectors' lead over the whole economy in the calibration years,
fading at the trend's damping; the intensity is what remains of the trend. The re-expression
alone changes no number of the baseline; it gives the letter's levers (more output growth, more productivity
growth) a place to act, as shifts of the demand growth (models/gap/scenarios.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

# SBI 2008 sections as the two-digit divisions they hold
SECTION_DIVISIONS = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}


class SectorError(ValueError):
    """An SBI code that no sector with output and labour volume holds."""


def divisions(code: str) -> tuple[int, int]:
    """The first and last SBI division a code covers: `J` -> (58, 63), `62-63` -> (62, 63), `O-Q` -> (84, 88),
    `861` -> (86, 86)."""
    first, _, last = code.strip().partition("-")

    def bound(part: str, end: int) -> int:
        if part in SECTION_DIVISIONS:
            return SECTION_DIVISIONS[part][end]
        if part.isdigit() and len(part) >= 2:
            return int(part[:2])
        raise SectorError(f"{code!r} is not an SBI 2008 code (a section letter, a division or a range of them)")

    return bound(first, 0), bound(last or first, 1)


def sector_of(code: str, sectors: Iterable[str]) -> str:
    """The narrowest of `sectors` that holds every division of `code`: 62-63 -> J, 21 -> 20-21, 87-88 -> Q."""
    low, high = divisions(code)
    holding = [s for s in sectors if divisions(s)[0] <= low and high <= divisions(s)[1]]
    if not holding:
        raise SectorError(f"no sector with output and labour volume holds SBI {code}; there are {sorted(sectors)}")
    return min(holding, key=lambda s: (divisions(s)[1] - divisions(s)[0], s))


@dataclass(frozen=True)
class SectorGrowth:
    """Log growth a year of a group's output and labour volume, by year (the growth into that year)."""

    sectors: str  # which national-accounts sectors, for the lineage: "J for 61, 62-63"
    output: dict[int, float]
    labour: dict[int, float]

    def productivity(self, year: int) -> float:
        return self.output[year] - self.labour[year]

    def means(self, years: Iterable[int]) -> tuple[float, float]:
        """Mean output and productivity growth over the `years` it has."""
        known = [y for y in years if y in self.output and y in self.labour]
        if not known:
            raise SectorError(f"{self.sectors}: no output or labour volume for {sorted(years)}")
        return float(np.mean([self.output[y] for y in known])), float(np.mean([self.productivity(y) for y in known]))


def _log_growth(levels: Mapping[tuple[str, int], float], code: str) -> dict[int, float]:
    series = {year: value for (c, year), value in levels.items() if c == code and value > 0}
    return {year: float(np.log(series[year] / series[year - 1])) for year in sorted(series) if year - 1 in series}


def group_growth(
    code_weights: Mapping[str, float],
    employment: Mapping[tuple[str, int], float],
    value_added: Mapping[tuple[str, int], float],
    labour_years: Mapping[tuple[str, int], float],
    weight_year: int,
) -> SectorGrowth:
    """The growth of the sectors that hold a group's employment codes, weighted by the codes' employment in
    `weight_year` (85272NED) times their composition weight: the narrowest sector with both output (84105NED) and
    labour volume (85918NED)."""
    sectors = {c for c, _ in value_added} & {c for c, _ in labour_years}
    weighted: dict[str, float] = {}
    held: dict[str, list[str]] = {}
    for code, weight in code_weights.items():
        sector = sector_of(code, sectors)
        weighted[sector] = weighted.get(sector, 0.0) + weight * employment.get((code, weight_year), 1.0)
        held.setdefault(sector, []).append(code)
    total = sum(weighted.values())
    output = {s: _log_growth(value_added, s) for s in weighted}
    labour = {s: _log_growth(labour_years, s) for s in weighted}
    years = set.intersection(*(set(output[s]) & set(labour[s]) for s in weighted))
    return SectorGrowth(
        sectors="; ".join(f"{s} for {', '.join(codes)}" for s, codes in held.items()),
        output={y: sum(w * output[s][y] for s, w in weighted.items()) / total for y in sorted(years)},
        labour={y: sum(w * labour[s][y] for s, w in weighted.items()) / total for y in sorted(years)},
    )


@dataclass(frozen=True)
class DemandPath:
    """The projected growth a year of the demand for a unit's filled jobs, in its three parts (log growth)."""

    output: np.ndarray
    productivity: np.ndarray
    intensity: np.ndarray

    @property
    def growth(self) -> np.ndarray:
        return self.output - self.productivity + self.intensity


def demand_path(
    trend: np.ndarray,
    fade: np.ndarray,
    group: SectorGrowth,
    economy: SectorGrowth,
    years: Iterable[int],
    output_growth: float,
    productivity_growth: float,
) -> DemandPath:
    """`trend` (the demand for filled jobs a year, fading by `fade`) re-expressed: output and productivity at the
    national paths plus the group's lead over the economy in `years`, fading as the trend does; the intensity is
    what is left, so that the three add up to the trend exactly."""
    years = list(years)
    group_output, group_productivity = group.means(years)
    all_output, all_productivity = economy.means(years)
    output = output_growth + (group_output - all_output) * fade
    productivity = productivity_growth + (group_productivity - all_productivity) * fade
    return DemandPath(output, productivity, trend - output + productivity)
