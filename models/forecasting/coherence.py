"""Coherent forecasts: sector forecasts that add up to their parent's, as the published data do.

Forecasts made series by series do not add up: the sections' forecasts miss the total's. We reconcile them the way
the forecasting literature does (Wickramasuriya, Athanasopoulos and Hyndman, 2019, "MinT"; here its diagonal form,
WLS with each series' own backtest error variance): the smallest change to the base forecasts, weighted by how
uncertain each is, that makes every complete parent-children relation hold. A series forecast badly in the backtest
moves more; a precise one hardly moves.

CBS rounds each cell and keeps an "unknown" sector, so even the data do not add up exactly. Each relation therefore
carries a residual (parent minus its children's sum), forecast as its average over the last year and reconciled
like a series: the forecasts then add up the way the history does, not to an identity the data never met.

Pure numpy; the caller supplies the forecasts, their error variances and the relations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Relation:
    """parent = sum(children) + residual, for one period."""

    parent: str
    children: tuple[str, ...]
    residual: float  # the residual's own forecast
    residual_variance: float  # its error variance: how far the relation may drift from its history


def reconcile(
    point: dict[str, float], variance: dict[str, float], relations: list[Relation]
) -> tuple[dict[str, float], dict[str, float]]:
    """Reconciled forecasts of one period, and each relation's reconciled residual (keyed by parent).

    Minimises sum((new - point)^2 / variance) over the series and the residuals, subject to every relation, by the
    closed-form projection new = point - W C' (C W C')^-1 C point, with W the variances and C the constraints.
    """
    if not relations:
        return dict(point), {}
    names = sorted({s for r in relations for s in (r.parent, *r.children)})
    index = {name: i for i, name in enumerate(names)}
    n, m = len(names), len(relations)
    base = np.concatenate([[point[s] for s in names], [r.residual for r in relations]])
    weights = _weights([variance.get(s) for s in names] + [r.residual_variance for r in relations])
    constraints = np.zeros((m, n + m))
    for k, relation in enumerate(relations):
        constraints[k, index[relation.parent]] = 1.0
        for child in relation.children:
            constraints[k, index[child]] -= 1.0
        constraints[k, n + k] = -1.0
    weighted = constraints * weights  # C W
    adjustment = weighted.T @ np.linalg.solve(weighted @ constraints.T, constraints @ base)
    new = base - adjustment
    reconciled = dict(point) | {name: float(new[index[name]]) for name in names}
    return reconciled, {r.parent: float(new[n + k]) for k, r in enumerate(relations)}


def _weights(variances: list[float | None]) -> np.ndarray:
    """Variances the projection can use: a series without a backtest is trusted least (the largest variance), and a
    variance of zero (a residual that never moved) becomes a tiny one, so it moves last but the algebra holds."""
    known = [v for v in variances if v is not None and np.isfinite(v) and v > 0]
    largest = max(known, default=1.0)
    return np.array(
        [largest if v is None or not np.isfinite(v) else max(v, largest * 1e-9) for v in variances], dtype=float
    )


def complete_relations(hierarchy: list[tuple[str, str, bool]], codes: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The relations parent = sum of children that hold among `codes` (the sectors a table's forecasts have), from
    `hierarchy` (parent, child, complete). A child missing from `codes` is replaced by its own complete set of
    children, and so on down: a table without B-F, G-N and O-U still has A-U = A + B-E + F + G-I + ... + R-U."""
    children: dict[str, list[str]] = {}
    complete: dict[str, bool] = {}
    for parent, child, is_complete in hierarchy:
        children.setdefault(parent, []).append(child)
        complete[parent] = complete.get(parent, True) and is_complete

    def cover(code: str) -> list[str] | None:
        if code in codes:
            return [code]
        if not complete.get(code):
            return None
        parts = [cover(child) for child in children[code]]
        return None if any(p is None for p in parts) else [c for p in parts for c in p]

    relations = []
    for parent in sorted(children):
        if parent not in codes or not complete[parent]:
            continue
        parts = [cover(child) for child in children[parent]]
        if all(p is not None for p in parts):
            relations.append((parent, tuple(sorted(c for p in parts for c in p))))
    return relations


def sector_code(part: str, codes: set[str]) -> str | None:
    """The SBI code a series-id part starts with ("A-U Alle economische activiteiten" -> "A-U"), if it is one."""
    first = part.split(" ", 1)[0]
    return first if first in codes else None


def families(series_ids: list[str], codes: set[str]) -> dict[str, dict[str, str]]:
    """Series that differ only in their sector, grouped: family key -> {sector code: series id}. The family key is
    the series id with its sector part left out (table, measure, other dimensions, frequency)."""
    found: dict[str, dict[str, str]] = {}
    for series_id in series_ids:
        parts = series_id.split(" | ")
        for i, part in enumerate(parts):
            code = sector_code(part, codes)
            if code is not None:
                key = " | ".join([*parts[:i], "*", *parts[i + 1 :]])
                found.setdefault(key, {})[code] = series_id
                break
    return found


def make_coherent(
    forecasts: pl.DataFrame,
    history: pl.DataFrame,
    error_scale: dict[tuple[str, int], float],
    hierarchy: list[tuple[str, str, bool]],
    season_length: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reconcile each family's sector forecasts (series_id, period_index, horizon, point and interval bounds) so
    that every complete relation of `hierarchy` holds per period as it held in the last year of `history`
    (series_id, period_index, value). `error_scale[(series, horizon)]` is the mean absolute backtest error of the
    series' chosen model. Bounds move with their point. Returns the forecasts and one row per relation x period with
    the residual it was reconciled to."""
    codes = {c for parent, child, _ in hierarchy for c in (parent, child)}
    values = {
        series_id: dict(zip(frame["period_index"], frame["value"], strict=True))
        for (series_id,), frame in history.group_by("series_id")
    }
    shift: dict[tuple[str, int], float] = {}
    top: dict[str, int] = {}  # each series' longest backtested horizon
    for series_id, h in error_scale:
        top[series_id] = max(h, top.get(series_id, 0))
    residual_rows = []
    for members in families(forecasts["series_id"].unique().to_list(), codes).values():
        relations = complete_relations(hierarchy, set(members))
        if not relations:
            continue
        family = forecasts.filter(pl.col("series_id").is_in(list(members.values())))
        for period, rows in family.group_by("period_index"):
            point = dict(zip(rows["series_id"], rows["point"], strict=True))
            horizon = dict(zip(rows["series_id"], rows["horizon"], strict=True))
            if any(members[c] not in point for parent, kids in relations for c in (parent, *kids)):
                continue  # a member ends earlier or later: this period has no complete relation to hold
            h = max(horizon.values())
            built = [_relation(parent, kids, members, values, season_length, h) for parent, kids in relations]
            by_code = {code: point[sid] for code, sid in members.items() if sid in point}
            variance = {
                code: _error_at(error_scale, top, sid, horizon[sid]) ** 2
                for code, sid in members.items()
                if sid in point
            }
            new, residuals = reconcile(by_code, variance, built)
            for code, value in new.items():
                shift[(members[code], int(period[0]))] = value - by_code[code]
            residual_rows += [
                (members[r.parent], [members[k] for k in r.children], int(period[0]), r.residual, residuals[r.parent])
                for r in built
            ]
    moved = pl.DataFrame(
        [(s, p, d) for (s, p), d in shift.items()],
        schema={"series_id": pl.String, "period_index": pl.Int64, "shift": pl.Float64},
        orient="row",
    )
    bounds = ("point", "lower_80", "upper_80", "lower_95", "upper_95")
    coherent = (
        forecasts.join(moved, on=["series_id", "period_index"], how="left")
        .with_columns(pl.col("shift").fill_null(0.0))
        .with_columns(pl.col(c) + pl.col("shift") for c in bounds)
        .rename({"shift": "coherence_adjustment"})
    )
    residuals = pl.DataFrame(
        residual_rows,
        schema={
            "parent_series_id": pl.String,
            "child_series_ids": pl.List(pl.String),
            "period_index": pl.Int64,
            "residual_forecast": pl.Float64,
            "residual": pl.Float64,
        },
        orient="row",
    )
    return coherent, residuals


def _error_at(error_scale: dict[tuple[str, int], float], top: dict[str, int], series_id: str, horizon: int) -> float:
    """The backtest error at `horizon`; beyond the backtested horizons the last one's, grown with the square root of
    the horizon as the intervals do. None known: NaN (the series is then trusted least)."""
    if series_id not in top:
        return float("nan")
    last = top[series_id]
    return error_scale[(series_id, min(horizon, last))] * (np.sqrt(horizon / last) if horizon > last else 1.0)


def _relation(
    parent: str,
    kids: tuple[str, ...],
    members: dict[str, str],
    values: dict[str, dict[int, float]],
    season_length: int,
    horizon: int,
) -> Relation:
    """The relation with its residual forecast (its mean over the last year of common history) and that forecast's
    error variance (how far the residual moved from such a yearly mean `horizon` periods later, in the history)."""
    common = sorted(set.intersection(*(set(values[members[c]]) for c in (parent, *kids))))
    residual = np.array([values[members[parent]][t] - sum(values[members[k]][t] for k in kids) for t in common])
    level = float(residual[-season_length:].mean())
    window = np.convolve(residual, np.ones(season_length) / season_length, mode="valid")  # trailing yearly means
    ahead = residual[season_length - 1 + horizon :]
    misses = ahead - window[: len(ahead)]
    variance = float(np.mean(np.abs(misses)) ** 2) if len(misses) else float(np.var(residual))
    return Relation(parent, kids, level, variance)
