import numpy as np
import polars as pl
import pytest

from models.gaps import GapInputs, GroupInputs, YearlyPath, compute_gaps, outflow_rate, skill_shares

YEARS = np.array([2022, 2023, 2024])


def certain(values: list[float]) -> YearlyPath:
    array = np.array(values, dtype=float)
    return YearlyPath(YEARS, array, array, array)


def inputs(**changes) -> GapInputs:
    shares = {"technical": 0.5, "digital": 0.1}
    basis = {"technical": "test", "digital": "test"}
    settings = {
        "base_year": 2022,
        "end_year": 2024,
        "groups": {
            "national": GroupInputs([(1.0, certain([1000, 1100, 1200]))], 0.0, shares, basis),
            "care": GroupInputs([(1.0, certain([100, 110, 120]))], 20.0, shares, basis),
        },
        "school_leavers": {"technical": [certain([0, 50, 50])], "digital": [certain([0, 10, 10])]},
        "unemployed": certain([100, 100, 100]),
        "outflow_rate": 0.1,
        "unemployed_inflow_share": {"technical": 0.1, "digital": 0.0},
    }
    return GapInputs(**(settings | changes))


def test_gap_accounting_by_hand():
    gaps = compute_gaps(inputs())
    care = gaps.filter(pl.col("sector_group") == "care", pl.col("skill") == "technical").sort("year")
    first, second = care.row(0, named=True), care.row(1, named=True)
    # stock 50 -> 55 -> 60: expansion 5, replacement 10% of last year's stock, vacancies 20 x 0.5 in the first year
    assert first["expansion_demand"] == pytest.approx(5)
    assert first["replacement_demand"] == pytest.approx(5)
    assert first["existing_vacancies"] == pytest.approx(10)
    assert second["existing_vacancies"] == 0
    # care's share of national technical openings: (5 + 5) / (50 + 50) = 0.1 of 50 school-leavers + 10 unemployed
    assert first["supply_allocation_share"] == pytest.approx(0.1)
    assert first["supply"] == pytest.approx(0.1 * 50 + 0.1 * 10)
    assert first["gap"] == pytest.approx(20 - 6)
    assert second["gap"] == pytest.approx(first["gap"] + second["demand"] - second["supply"])
    assert set(gaps["sector_group"]) == {"care"}  # the national group only shares out supply


def test_certain_inputs_give_a_zero_width_interval_and_uncertain_ones_hold_the_gap():
    certain_gaps = compute_gaps(inputs())
    assert (certain_gaps["gap_upper"] - certain_gaps["gap_lower"]).abs().max() == pytest.approx(0)
    spread = YearlyPath(YEARS, np.array([100.0, 110, 120]), np.array([100.0, 100, 100]), np.array([100.0, 120, 140]))
    groups = inputs().groups | {
        "care": GroupInputs(
            [(1.0, spread)], 20.0, {"technical": 0.5, "digital": 0.1}, {"technical": "t", "digital": "t"}
        )
    }
    uncertain = compute_gaps(inputs(groups=groups))
    assert (uncertain["gap_lower"] <= uncertain["gap"]).all() and (uncertain["gap"] <= uncertain["gap_upper"]).all()
    assert (uncertain["gap_upper"] - uncertain["gap_lower"]).max() > 1


def test_skill_shares_count_classes_only_and_say_how_many_cells_were_published():
    numerators = pl.DataFrame(
        {"sector_group": ["g"] * 4, "occupation_code": ["07", "072", "08", "10"], "value": [30.0, 20.0, None, 50.0]}
    )
    skills = pl.DataFrame({"brc_class": ["07", "08", "10"], "skill": ["technical", "digital", "none"]})
    shares = skill_shares(numerators, pl.DataFrame({"sector_group": ["g"], "total": [100.0]}), skills)
    by_skill = {row["skill"]: row for row in shares.iter_rows(named=True)}
    assert by_skill["technical"]["share"] == pytest.approx(0.3)
    assert by_skill["digital"]["cells_published"] == 0


def test_outflow_rate_from_the_age_structure():
    rate = outflow_rate({"15 tot 75 jaar": 1000, "55 tot 65 jaar": 180, "65 tot 75 jaar": 20}, 10, 0.01)
    assert rate == pytest.approx(0.2 / 10 + 0.01)
