"""Coherent forecasts: sector forecasts reconciled so that they add up to their parent's as the data do."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from models.forecasting.coherence import Relation, complete_relations, families, make_coherent, reconcile

HIERARCHY = [("A-U", "A", True), ("A-U", "B-F", True), ("B-F", "C", False), ("B-F", "F", True)]


def test_reconciled_forecasts_add_up_and_the_uncertain_series_moves_most():
    point = {"A-U": 1_000.0, "A": 300.0, "B-F": 600.0}  # children 900 + residual 50: the total is 50 too high
    variance = {"A-U": 1.0, "A": 100.0, "B-F": 1.0}
    new, residual = reconcile(point, variance, [Relation("A-U", ("A", "B-F"), 50.0, 1e-9)])
    assert new["A-U"] == pytest.approx(new["A"] + new["B-F"] + residual["A-U"])
    assert residual["A-U"] == pytest.approx(50.0, abs=1e-6)  # a residual known for sure is kept
    moves = {k: abs(new[k] - point[k]) for k in point}
    assert moves["A"] > 10 * max(moves["A-U"], moves["B-F"])  # the series the backtest trusted least moves most
    assert sum(moves.values()) == pytest.approx(50.0, rel=1e-6)


def test_a_coherent_forecast_is_left_alone():
    point = {"A-U": 950.0, "A": 300.0, "B-F": 600.0}
    new, _ = reconcile(point, {"A-U": 4.0, "A": 1.0, "B-F": 2.0}, [Relation("A-U", ("A", "B-F"), 50.0, 1.0)])
    assert new == pytest.approx(point)


def test_only_complete_relations_among_the_forecast_sectors_are_imposed():
    assert complete_relations(HIERARCHY, {"A-U", "A", "B-F", "C", "F"}) == [("A-U", ("A", "B-F"))]
    assert complete_relations(HIERARCHY, {"A-U", "A"}) == []  # B-F not forecast: nothing to hold
    # without B-F its complete children stand in for it; C's are incomplete, so C itself must be there
    deeper = [("A-U", "A", True), ("A-U", "B-F", True), ("B-F", "C", True), ("B-F", "F", True), ("C", "10", False)]
    assert complete_relations(deeper, {"A-U", "A", "C", "F"}) == [("A-U", ("A", "C", "F"))]
    assert complete_relations(deeper, {"A-U", "A", "10", "F"}) == []


def test_families_group_series_that_differ_only_in_their_sector():
    ids = ["t | m | A-U Alle | Q", "t | m | A Landbouw | Q", "t | m | Bedrijfsgrootte: 0 tot 10 | Q"]
    assert families(ids, {"A-U", "A"}) == {"t | m | * | Q": {"A-U": ids[0], "A": ids[1]}}


def test_make_coherent_moves_point_and_bounds_together_and_holds_the_history_s_residual():
    periods = np.arange(100, 112)
    history = pl.DataFrame(
        {
            "series_id": ["t | A-U x | Q"] * 12 + ["t | A x | Q"] * 12 + ["t | B-F x | Q"] * 12,
            "period_index": np.tile(periods, 3),
            "value": [1_000.0] * 12 + [380.0] * 12 + [600.0] * 12,  # residual 20, as CBS's "unknown"
        }
    )
    forecasts = pl.DataFrame(
        {
            "series_id": ["t | A-U x | Q", "t | A x | Q", "t | B-F x | Q"],
            "period_index": [112] * 3,
            "horizon": [1] * 3,
            "point": [1_100.0, 380.0, 600.0],
            "lower_80": [1_050.0, 370.0, 590.0],
            "upper_80": [1_150.0, 390.0, 610.0],
            "lower_95": [1_000.0, 360.0, 580.0],
            "upper_95": [1_200.0, 400.0, 620.0],
        }
    )
    scale = {("t | A-U x | Q", 1): 10.0, ("t | A x | Q", 1): 10.0, ("t | B-F x | Q", 1): 10.0}
    coherent, residuals = make_coherent(forecasts, history, scale, [("A-U", "A", True), ("A-U", "B-F", True)], 4)
    points = dict(zip(coherent["series_id"], coherent["point"], strict=True))
    (residual,) = residuals["residual"]
    assert points["t | A-U x | Q"] == pytest.approx(points["t | A x | Q"] + points["t | B-F x | Q"] + residual)
    assert residual == pytest.approx(20.0, abs=1.0)  # the residual never moved in the history: it hardly moves
    widths = coherent.select((pl.col("upper_80") - pl.col("lower_80")).alias("w"))["w"].to_list()
    assert widths == pytest.approx([100.0, 20.0, 20.0])
