"""The occupation mix of new vacancies per sector, with bounds on the cells CBS leaves empty.

CBS 85081NED publishes, per sector, only the occupation classes and segments that make up most of its new vacancies
(about 70%); the other cells are empty. They are not unknown without limit: the published cells, the sector's total
new vacancies (80472ned), the published segments of a class and the SBI hierarchy (a parent sector's cell is the sum
of its children's) bound every empty cell. A linear programme over all cells of a year gives, for any weighted sum
of cells (a group's technical cell, say), the smallest and largest value the published figures allow.

The point estimate of an empty cell splits its sector's unpublished new vacancies over the sector's unpublished
classes like its parent sector's mix (the economy's own empty cells by national employment), then moves as little
as it must to satisfy every constraint. It is always inside the bounds, and the bounds go with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

CELL_ROUNDING = 50.0  # 85081NED publishes thousands with one decimal: a published cell is within 50 persons
TOTAL_ROUNDING = 500.0  # 80472ned's yearly new vacancies are whole thousands
TOTAL_TOLERANCE = 0.01  # the two surveys' totals may differ a little beyond rounding: 1% of the total
NATIONAL = "A-U"
PENALTY_BANDS = ((0.10, 1.0), (0.15, 2.0), (0.25, 4.0), (0.50, 8.0), (None, 16.0))  # (width x prior, slope)


class MixError(ValueError):
    """The published cells and totals of a year contradict each other or the hierarchy."""


@dataclass(frozen=True)
class YearMix:
    """The solved mix of one year: the point estimate of every cell and the programme to bound any sum of cells."""

    year: int
    sectors: tuple[str, ...]
    classes: tuple[str, ...]
    totals: dict[str, float]
    published: dict[tuple[str, str], float]
    point: dict[tuple[str, str], float]
    _a_ub: object
    _b_ub: np.ndarray
    _bounds: list[tuple[float, float | None]]

    def _index(self, sector: str, occupation: str) -> int:
        return self.sectors.index(sector) * len(self.classes) + self.classes.index(occupation)

    def bounds(self, weights: dict[str, float], occupation: str) -> tuple[float, float]:
        """Smallest and largest possible value of sum(weight x cell(sector, occupation)) over the weighted sectors."""
        from scipy.optimize import linprog  # scipy is imported where it is used: definitions load without it

        objective = np.zeros(len(self.sectors) * len(self.classes))
        for sector, weight in weights.items():
            objective[self._index(sector, occupation)] = weight
        low = linprog(objective, A_ub=self._a_ub, b_ub=self._b_ub, bounds=self._bounds, method="highs")
        high = linprog(-objective, A_ub=self._a_ub, b_ub=self._b_ub, bounds=self._bounds, method="highs")
        if low.status != 0 or high.status != 0:
            raise MixError(f"{self.year}: bounding {occupation} in {weights} failed: {low.message} / {high.message}")
        return float(low.fun), float(-high.fun)

    def value(self, weights: dict[str, float], occupation: str) -> float:
        return sum(weight * self.point[(sector, occupation)] for sector, weight in weights.items())

    def total(self, weights: dict[str, float]) -> float:
        missing = [s for s in weights if s not in self.totals]
        if missing:
            raise MixError(f"{self.year}: no total new vacancies (80472ned) for sector(s) {missing}")
        return sum(weight * self.totals[sector] for sector, weight in weights.items())

    def is_published(self, weights: dict[str, float], occupation: str) -> bool:
        return all((sector, occupation) in self.published for sector in weights)


def derive_totals(totals: dict[str, float], hierarchy: pl.DataFrame) -> dict[str, float]:
    """Totals of sectors no table publishes, from a complete partition whose other parts are known:
    61-63 = J - 58-60."""
    totals = dict(totals)
    complete = hierarchy.filter(pl.col("complete"))
    changed = True
    while changed:
        changed = False
        for parent, children in complete.group_by("parent", maintain_order=True).agg("child").iter_rows():
            unknown = [c for c in children if c not in totals]
            if parent in totals and len(unknown) == 1:
                totals[unknown[0]] = totals[parent] - sum(totals[c] for c in children if c in totals)
                changed = True
    return totals


def solve_year(
    year: int,
    cells: pl.DataFrame,
    totals: dict[str, float],
    hierarchy: pl.DataFrame,
    class_employment: dict[str, float],
    classes: list[str],
) -> YearMix:
    """Bound and estimate every cell (sector x occupation class) of one year.

    `cells`: sector, occupation (two-digit class or three-digit segment) and value (persons, null when not published).
    `totals`: new vacancies per sector (80472ned). `hierarchy`: parent, child, complete. `class_employment`: national
    employment per class (85276NED), which splits unpublished new vacancies where nothing else tells.
    """
    from scipy.sparse import lil_matrix

    totals = derive_totals(totals, hierarchy)
    sectors = sorted(set(cells["sector"]) | set(hierarchy["parent"]) | set(hierarchy["child"]))
    n_classes = len(classes)
    size = len(sectors) * n_classes

    def index(sector: str, occupation: str) -> int:
        return sectors.index(sector) * n_classes + classes.index(occupation)

    known = cells.filter(pl.col("value").is_not_null())
    published = {
        (s, o): v
        for s, o, v in known.filter(pl.col("occupation").is_in(classes)).select("sector", "occupation", "value").rows()
    }
    segment_floor = (
        known.filter(pl.col("occupation").str.len_chars() == 3)
        .with_columns(pl.col("occupation").str.slice(0, 2).alias("class"))
        .group_by("sector", "class")
        .agg(pl.col("value").sum(), pl.len().alias("n"))
    )
    bounds: list[tuple[float, float | None]] = [(0.0, None)] * size
    for (sector, occupation), value in published.items():
        bounds[index(sector, occupation)] = (max(value - CELL_ROUNDING, 0.0), value + CELL_ROUNDING)
    for sector, occupation, value, n in segment_floor.rows():
        i = index(sector, occupation)
        low, high = bounds[i]
        bounds[i] = (max(low, value - CELL_ROUNDING * n), high)

    rows: list[tuple[dict[int, float], float]] = []  # sum(coefficient x cell) <= limit
    for sector in sectors:
        if sector not in totals:
            continue
        tolerance = TOTAL_ROUNDING + TOTAL_TOLERANCE * totals[sector]
        cells_of = {index(sector, c): 1.0 for c in classes}
        rows.append((cells_of, totals[sector] + tolerance))
        rows.append(({i: -1.0 for i in cells_of}, -(totals[sector] - tolerance)))
    for (parent, complete), family in hierarchy.group_by("parent", "complete", maintain_order=True):
        children = family["child"].to_list()
        slack = CELL_ROUNDING * (len(children) + 1)
        for c in classes:
            # parent - sum(children) >= -slack, and for a complete partition also <= slack
            coefficients = {index(parent, c): 1.0} | {index(child, c): -1.0 for child in children}
            rows.append(({i: -v for i, v in coefficients.items()}, slack))
            if complete:
                rows.append((coefficients, slack))
    a_ub = lil_matrix((len(rows), size))
    b_ub = np.zeros(len(rows))
    for r, (coefficients, limit) in enumerate(rows):
        for i, v in coefficients.items():
            a_ub[r, i] = v
        b_ub[r] = limit
    a_ub = a_ub.tocsr()

    prior = _prior(sectors, classes, totals, published, bounds, index, class_employment, hierarchy)
    point = _closest_feasible(a_ub, b_ub, bounds, prior, size)
    if point is None:
        findings = "; ".join(_contradictions(published, totals, hierarchy, classes)) or "no single cell explains it"
        raise MixError(
            f"85081NED {year}: the published cells contradict the sector totals of 80472ned or the SBI hierarchy "
            f"(warehouse/seeds/sbi_hierarchy.csv): {findings}"
        )
    return YearMix(
        year=year,
        sectors=tuple(sectors),
        classes=tuple(classes),
        totals=totals,
        published=published,
        point={(s, c): float(point[index(s, c)]) for s in sectors for c in classes},
        _a_ub=a_ub,
        _b_ub=b_ub,
        _bounds=bounds,
    )


def _contradictions(published, totals, hierarchy: pl.DataFrame, classes: list[str]) -> list[str]:
    """The simple inconsistencies that make the programme infeasible, named by sector and class (at most five)."""
    found = []
    for sector, total in totals.items():
        cells = sum(published.get((sector, c), 0.0) for c in classes)
        if cells > total + TOTAL_ROUNDING + TOTAL_TOLERANCE * total + CELL_ROUNDING * len(classes):
            found.append(f"sector {sector}: published classes add up to {cells:,.0f}, more than its total {total:,.0f}")
    for (parent, complete), family in hierarchy.group_by("parent", "complete", maintain_order=True):
        children = family["child"].to_list()
        if complete and parent in totals and all(c in totals for c in children):
            parts = sum(totals[c] for c in children)
            slack = TOTAL_ROUNDING * (len(children) + 1) + TOTAL_TOLERANCE * (totals[parent] + parts)
            if abs(parts - totals[parent]) > slack:
                found.append(
                    f"sector {parent}: total {totals[parent]:,.0f}, its parts {children} add up to {parts:,.0f}"
                )
        for c in classes:
            parts = sum(published.get((child, c), 0.0) for child in children)
            if (parent, c) in published and parts > published[(parent, c)] + CELL_ROUNDING * (len(children) + 1):
                found.append(
                    f"class {c}: {parent} publishes {published[(parent, c)]:,.0f}, its parts {children} {parts:,.0f}"
                )
    return found[:5]


def _prior(sectors, classes, totals, published, bounds, index, class_employment, hierarchy) -> dict[int, float]:
    """A guess for each empty cell of a sector with a known total: its unpublished new vacancies, split like its
    parent's mix (the nearest sector above it: care's empty cells are split like O-Q's, not like the economy's).
    The whole economy's own empty cells are split by national employment."""
    parent_of = dict(zip(hierarchy["child"], hierarchy["parent"], strict=True))
    mix: dict[str, dict[str, float]] = {}

    def mix_of(sector: str) -> dict[str, float]:
        """The sector's guessed mix, as shares of its total (published cells as published)."""
        if sector in mix:
            return mix[sector]
        parent = parent_of.get(sector, NATIONAL if sector != NATIONAL else None)
        national_employment = {c: class_employment.get(c, 0.0) for c in classes}
        weights = national_employment if parent is None else mix_of(parent)
        total = totals.get(sector)
        if total is None or total <= 0:
            mix[sector] = weights
            return weights
        shares = {c: published[(sector, c)] / total for c in classes if (sector, c) in published}
        rest = max(1.0 - sum(shares.values()), 0.0)
        empty = {c: weights.get(c, 0.0) for c in classes if c not in shares}
        weight_sum = sum(empty.values()) or 1.0
        mix[sector] = shares | {c: rest * w / weight_sum for c, w in empty.items()}
        return mix[sector]

    prior = {}
    for sector in sectors:
        if sector not in totals:
            continue
        for c, share in mix_of(sector).items():
            if (sector, c) not in published:
                i = index(sector, c)
                prior[i] = max(share * totals[sector], bounds[i][0])
    return prior


def _closest_feasible(a_ub, b_ub, bounds, prior: dict[int, float], size: int) -> np.ndarray | None:
    """The feasible cells nearest the prior, by a convex piecewise-linear penalty on each cell's relative deviation.

    The penalty rises with the deviation (slopes 1, 2, 4, 8, 16 per unit of prior over bands of 10%, 15%, 25%, 50%
    and beyond), like a chi-square distance: an adjustment is spread over many cells rather than emptying one.
    """
    from scipy.optimize import linprog
    from scipy.sparse import hstack, lil_matrix

    guessed = sorted(prior)
    bands = len(PENALTY_BANDS)
    n_dev = len(guessed) * bands * 2
    objective = np.zeros(size + n_dev)
    dev_bounds: list[tuple[float, float | None]] = []
    a_eq = lil_matrix((len(guessed), size + n_dev))
    b_eq = np.zeros(len(guessed))
    for k, i in enumerate(guessed):
        scale = max(prior[i], CELL_ROUNDING)
        a_eq[k, i] = 1.0
        b_eq[k] = prior[i]
        for sign in (-1.0, 1.0):  # x - d_plus + d_minus = prior
            for width, slope in PENALTY_BANDS:
                column = size + len(dev_bounds)
                a_eq[k, column] = sign
                objective[column] = slope / scale
                dev_bounds.append((0.0, None if width is None else width * scale))
    padding = lil_matrix((a_ub.shape[0], n_dev))
    result = linprog(
        objective,
        A_ub=hstack([a_ub, padding]).tocsr(),
        b_ub=b_ub,
        A_eq=a_eq.tocsr(),
        b_eq=b_eq,
        bounds=[*bounds, *dev_bounds],
        method="highs",
    )
    return result.x[:size] if result.status == 0 else None
