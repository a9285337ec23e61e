"""The stock-flow gap model: the account's closure, its calibration and projection, the bounds on empty CBS cells,
and the backtest from earlier base years (on the real CBS exports)."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from models.gap.backtest import backtest_employment_before_2013, backtest_gaps, backtest_intervals
from models.gap.cycle import Cycle, Response, persistence
from models.gap.inputs import NATIONAL, units_at, weights
from models.gap.model import ita, ita_class, publish_frame
from models.gap.occupation_mix import MixError, solve_year
from models.gap.projection import project_unit
from models.gap.reconciliation import check_relations, comparison
from models.gap.stock_flow import Drivers, History, calibrate, project
from warehouse.db import read_seed

HISTORY = History(
    years=np.array([2020, 2021, 2022]),
    employment=np.array([1000.0, 1050.0, 1100.0]),
    unfilled=np.array([20.0, 30.0, 45.0]),
    school_leavers=np.array([30.0, 30.0, 32.0]),
    unemployed_inflow=np.array([10.0, 10.0, 8.0]),
    outflow_rate=np.array([0.04, 0.04, 0.05]),
)


def test_the_account_closes_on_every_year_of_the_history():
    calibration = calibrate(HISTORY)
    previous = HISTORY.employment[:-1]
    closed = previous - calibration.outflow + calibration.school_leavers + calibration.unemployed_inflow
    assert np.allclose(closed + calibration.other_entrants, HISTORY.employment[1:])
    # 2021 by hand: 1050 = 1000 - 40 + 30 + 10 + other entrants
    assert calibration.other_entrants[0] == pytest.approx(50.0)
    assert calibration.other_entrant_rate[0] == pytest.approx(0.05)
    mean, spread, low, high = calibration.summary()["other_entrant_rate"]
    assert low <= mean <= high and spread > 0


CYCLE = Cycle(normal_rate=0.02, base_rate=45 / 1100, persistence=0.6)
STEADY = Response(mean_rate=0.06, adjustment=0.0, low=0.0, high=0.2)


def flows(school, unemployed, outflow: float = 0.05, shift: float = 0.0) -> Drivers:
    years = np.arange(2023, 2023 + len(school))
    return Drivers(
        years, np.asarray(school, dtype=float), np.asarray(unemployed, dtype=float), np.full(3, outflow), 0.0, shift
    )


def project_history(drivers: Drivers, response: Response = STEADY, damping: float = 0.5) -> dict[str, np.ndarray]:
    return project(HISTORY, calibrate(HISTORY), drivers, damping, 0.01, CYCLE, response)


def test_the_gap_is_its_normal_cyclical_and_structural_parts_and_closes_every_account():
    projected = project_history(flows([32.0] * 3, [8.0] * 3))
    parts = projected["normal_gap"] + projected["cyclical_gap"] + projected["structural_gap"]
    assert projected["gap"] == pytest.approx(parts)
    assert projected["gap"] == pytest.approx(projected["demand"] - projected["supply"])
    assert projected["gap"] == pytest.approx(projected["openings_since_base"] - projected["entrants_since_base"])
    # demand for filled jobs on the trend that fades into the long-run growth; the normal gap its long-run vacancies
    own = np.log(1100 / 1000) / 2
    wanted = 1100 * np.exp(np.cumsum(0.01 + (own - 0.01) * 0.5 ** np.arange(3)))
    assert projected["normal_gap"] == pytest.approx(0.02 * wanted)
    assert projected["structural_gap"] == pytest.approx(wanted - projected["supply"])


def test_the_base_years_excess_vacancy_rate_fades_at_the_speed_the_cycle_shows():
    """Replaces the test that supply followed the employment trend: nothing is carried forward at the base year's
    record level any more."""
    projected = project_history(flows([32.0] * 3, [8.0] * 3))
    wanted = projected["structural_gap"] + projected["supply"]
    excess = 45 / 1100 - 0.02
    assert projected["cyclical_gap"] == pytest.approx(excess * 0.6 ** np.arange(1, 4) * wanted)
    assert CYCLE.rate(np.array([0, 50])) == pytest.approx([45 / 1100, 0.02])


def test_supply_runs_on_its_calibrated_rate_and_a_change_of_demand_does_not_move_it():
    steady = project_history(flows([32.0] * 3, [8.0] * 3))
    # supply: 5% outflow, the inflows and other entrants at 6% of last year's workers
    assert steady["supply"][0] == pytest.approx(1100 * (1 - 0.05 + 0.06) + 40)
    hotter = project_history(flows([32.0] * 3, [8.0] * 3, shift=0.05))
    assert hotter["supply"] == pytest.approx(steady["supply"])
    assert (hotter["demand"] > steady["demand"]).all() and (hotter["gap"] > steady["gap"]).all()
    # with a response, a shortfall draws more entrants, but only a year later: the first year's supply is the same
    answering = Response(mean_rate=0.06, adjustment=0.3, low=0.0, high=0.2)
    steady, hotter = (project_history(flows([32.0] * 3, [8.0] * 3, shift=s), answering) for s in (0.0, 0.05))
    assert hotter["supply"][0] == pytest.approx(steady["supply"][0]) and hotter["supply"][1] > steady["supply"][1]


def test_more_school_leavers_raise_supply_one_for_one():
    baseline = project_history(flows([32.0] * 3, [8.0] * 3))
    more = project_history(flows([132.0] * 3, [8.0] * 3))
    assert more["supply"][0] - baseline["supply"][0] == pytest.approx(100.0)
    assert (more["gap"] < baseline["gap"]).all()
    fewer = project_history(flows([32.0] * 3, [0.0] * 3))
    assert (fewer["gap"] > baseline["gap"]).all()


def test_a_survey_break_is_closed_on_but_left_out_of_the_trends():
    calibration = calibrate(HISTORY, breaks=(2022,))
    assert not calibration.in_means[-1] and calibration.in_means[0]
    assert calibration.summary()["employment_growth"][0] == pytest.approx(np.log(1050 / 1000))
    assert calibration.other_entrants[-1] == pytest.approx(1100 - (1050 - 52.5 + 32 + 8))


def test_the_ita_is_newcomers_against_expansion_and_replacement_demand_with_roas_classes():
    assert ita(newcomers=80, expansion=50, replacement=50) == pytest.approx(0.8)
    assert ita(newcomers=80, expansion=-30, replacement=100) == pytest.approx(0.8)  # shrinking: replacement only
    assert ita(newcomers=80, expansion=-200, replacement=0) is None
    assert [ita_class(r) for r in (0.7, 0.9, 1.02, 1.1, 1.3, None)] == [
        "zeer goed",
        "goed",
        "redelijk",
        "matig",
        "slecht",
        None,
    ]


def test_vacancy_rates_persistence_is_read_from_the_sectors_history():
    # a section whose distance from its mean halves every year, and one that does the same the other way
    rates = {("A", 2000 + i): 20 + 8 * 0.5**i for i in range(8)} | {("B", 2000 + i): 20 - 8 * 0.5**i for i in range(8)}
    assert 0.4 < persistence(rates, 2007) < 0.6
    assert persistence(rates, 2003) != persistence(rates, 2007)  # only the years up to the origin


HIERARCHY = pl.DataFrame({"parent": ["A-U", "A-U"], "child": ["X", "Y"], "complete": [True, True]})
CLASSES = ["07", "08", "10"]


def cells(rows: list[tuple[str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["sector", "occupation", "value"], orient="row")


def test_an_empty_cell_is_bounded_by_its_sector_total_and_the_hierarchy():
    published = cells(
        [
            ("A-U", "07", 3000.0),
            ("X", "07", 1000.0),
            ("Y", "07", None),
            ("Y", "08", None),
            ("Y", "10", 1500.0),
            ("Y", "081", 100.0),
        ]
    )
    mix = solve_year(2022, published, {"A-U": 10_000, "X": 5_000, "Y": 5_000}, HIERARCHY, {}, CLASSES)
    # Y's technical cell is what A-U publishes less X's: 2,000, within the rounding of three cells (50 each)
    # and of the sum (150)
    low, high = mix.bounds({"Y": 1.0}, "07")
    assert (low, high) == pytest.approx((1_750, 2_250))
    # Y's empty ICT cell holds what Y's total (5,000 within 550) leaves after 07 and 10: at least
    # 4,450 - 2,250 - 1,550, which is more than its published segment (100), at most 5,550 - 1,750 - 1,450
    low, high = mix.bounds({"Y": 1.0}, "08")
    assert (low, high) == pytest.approx((650, 2_350))
    point = mix.value({"Y": 1.0}, "08")
    assert low <= point <= high
    assert not mix.is_published({"Y": 1.0}, "08") and mix.is_published({"X": 1.0}, "07")


def test_cells_that_contradict_their_totals_are_refused_by_sector():
    published = cells([("X", "07", 6_000.0), ("Y", "07", 100.0)])
    with pytest.raises(MixError, match="sector X: published classes add up to 6,000, more than its total 5,000"):
        solve_year(2022, published, {"A-U": 10_000, "X": 5_000, "Y": 5_000}, HIERARCHY, {}, CLASSES)


def test_every_group_skill_subset_stays_inside_its_group_and_the_sections_add_up(real_model_data):
    units = units_at(real_model_data, 2022)
    for unit in units:
        share = unit.vacancy_share
        assert 0 <= share.lower <= share.point <= share.upper <= 1, (unit.group, unit.skill)
        assert unit.employment_share * unit.share_factor_bounds[1] <= 1
    national = {u.skill: u for u in units if u.group == NATIONAL}
    assert national["digital"].history.employment[-1] == 552_000  # BRC class 08, 85276NED
    assert national["digital"].vacancy_share.published  # A-U x 08 is a published cell
    care_technical = next(u for u in units if u.group == "care" and u.skill == "technical")
    assert not care_technical.vacancy_share.published and care_technical.vacancy_share.lower == 0
    assert "not published by CBS for care" in care_technical.basis


def test_no_strategic_markets_skill_subset_exceeds_the_market_and_nested_markets_stay_in_their_domain(
    real_model_data,
):
    composition = real_model_data.composition
    markets = read_seed("sector_groups").filter(pl.col("kind") == "strategic_market")["sector_group"].to_list()
    units = {(u.group, u.skill): u for u in units_at(real_model_data, 2022)}

    def size(group: str) -> float:
        return sum(
            w * real_model_data.employment[(c, 2022)] for c, w in weights(composition, group, "employment").items()
        )

    for market in markets:
        skills = [units[(market, skill)] for skill in ("technical", "digital")]
        for unit in skills:
            share = unit.vacancy_share
            assert 0 <= share.lower <= share.point <= share.upper <= 1, (market, unit.skill)
            employed = float(unit.history.employment[-1])
            # at the point and at the top of the share's bounds, the skill stays within the market
            assert employed <= employed * unit.share_factor_bounds[1] <= size(market) * (1 + 1e-9), (market, unit.skill)
        # technical and ICT are two occupation classes: together they too fit in the market
        assert sum(float(u.history.employment[-1]) for u in skills) <= size(market)
    # the footnote's overlaps: IT services inside digitalisation & AI, pharmaceuticals inside life sciences
    assert size("digital_services_ai") <= size("digital_ai") and size("biotech") <= size("life_sciences")


def test_the_backtest_uses_only_what_was_known_at_its_origin(real_model_data):
    later = {
        name: {key: v * 3 if key[-1] > 2017 else v for key, v in getattr(real_model_data, name).items()}
        for name in ("employment", "open_q4", "filled", "skill_employment")
    }
    changed = dataclasses.replace(real_model_data, **later, _bounds={})
    years = np.arange(2018, 2022)
    for original, altered in zip(units_at(real_model_data, 2017), units_at(changed, 2017), strict=True):
        assert original.history.years[-1] == 2017
        first = project_unit(original, real_model_data, years, forecasts=False)["gap"]
        second = project_unit(altered, changed, years, forecasts=False)["gap"]
        assert first == pytest.approx(second), (original.group, original.skill)


RULES = ("baseline", "trend_baseline", "mean_baseline")


@pytest.fixture(scope="module")
def real_backtest(real_model_data) -> pl.DataFrame:
    return backtest_intervals(backtest_gaps(real_model_data))


def test_the_backtest_runs_every_base_year_the_data_allow_and_the_cycle_over_whole_cycles(real_backtest):
    groups = real_backtest.filter(pl.col("level") == "group", pl.col("sector_group") != NATIONAL)
    assert set(groups["origin"]) == set(range(2015, 2022))  # the groups' data begin in 2013
    assert groups["horizon"].max() == 4 and groups["year"].max() == 2022
    sectors = real_backtest.filter(pl.col("level") == "sector")
    assert sectors["origin"].min() == 2001 and {"downturn", "recovery", "expansion"} <= set(sectors["regime"])
    # the cycle was chosen on the origins up to 2012: there it beats no change, the five-year trend and the mean
    early = sectors.filter(pl.col("origin") <= 2012)
    errors = {c: (early["observed"] - early[c]).abs().mean() for c in ("predicted", *RULES)}
    assert errors["predicted"] < min(errors[c] for c in RULES), errors
    # intervals from the other base years' errors hold about as often as they say
    assert 0.72 <= groups["in_80"].mean() <= 0.92


def test_the_base_year_gap_is_the_observed_open_vacancies_in_the_skill(real_model_data, real_backtest):
    table, units = publish_frame(real_model_data, real_backtest, 2030)
    care = table.filter(pl.col("sector_group") == "care", pl.col("skill") == "digital").sort("year")
    base = care.row(0, named=True)
    unit = next(u for u in units if u.group == "care" and u.skill == "digital")
    assert base["observed"] and base["year"] == 2022
    assert base["gap"] == pytest.approx(real_model_data.open_q4[("Q", 2022)] * unit.vacancy_share.point)
    assert care["year"].to_list() == list(range(2022, 2031))
    assert (care["gap_lower_95"] <= care["gap_lower"]).all() and (care["gap_upper"] <= care["gap_upper_95"]).all()


def test_a_part_within_its_whole_is_never_read_as_agreement():
    """Defence's 70k people against our 5.6k technical workers in security is a bound, not a confirmation."""
    within = comparison(5600, 70000, True)
    assert "geen overeenstemming" in within and "komt overeen" not in within
    assert "klopt niet" in comparison(90000, 70000, False)
    assert comparison(552000, 527000, None).startswith("komt overeen")
    assert "-63%" in comparison(39195, 105000, None)


def test_a_figure_the_group_was_built_from_or_leaves_out_is_never_read_as_agreement():
    """The police's 65k staff set our security group's size, and Defence is not measured at all: within 10% of
    either would otherwise read as 'komt overeen'."""
    assert "geen onafhankelijke toets" in comparison(64_900, 65_000, None, "built_from")
    assert "geen vergelijking" in comparison(66_000, 70_000, None, "outside_group")
    with pytest.raises(ValueError, match="'same' is not one of"):
        comparison(1.0, 1.0, None, "same")

    references = pl.DataFrame({"reference_id": ["a", "police_staff"], "relation": ["comparable", "agrees"]})
    with pytest.raises(ValueError, match=r"reference_figures.csv line 3 \(police_staff\): relation 'agrees'"):
        check_relations(references)


def test_security_reads_the_polices_own_vacancies_from_after_their_break(real_model_data, real_backtest):
    """80857ned's police series breaks in 2016-17 (0.0-0.2k open vacancies a quarter before, 4-5k after): the
    security group's history begins in 2017, so its first base year is 2019, and its vacancies are the police's."""
    assert real_model_data.open_q4[("Politie", 2022)] == pytest.approx(7300)
    units = {(u.group, u.skill): u for u in units_at(real_model_data, 2022)}
    police = units[("security_resilience", "technical")]
    assert police.history.years[0] == 2017
    assert police.history.unfilled[-1] == pytest.approx(7300 * police.vacancy_share.point)
    assert "security_resilience" not in {u.group for u in units_at(real_model_data, 2018)}
    security = real_backtest.filter(pl.col("sector_group") == "security_resilience")
    assert security["origin"].min() == 2019
    care = real_backtest.filter(pl.col("sector_group") == "care")
    assert care["origin"].min() == 2015  # the other groups keep every base year


def test_the_base_years_tightness_is_open_vacancies_per_unemployed_seeking_the_same_jobs(
    real_model_data, real_backtest
):
    table, units = publish_frame(real_model_data, real_backtest, 2030)
    unemployed = real_model_data.unemployed.values[2022]
    for skill in ("technical", "digital"):
        rows = table.filter(pl.col("sector_group") == NATIONAL, pl.col("skill") == skill)
        base = rows.filter(pl.col("year") == 2022).row(0, named=True)
        share = real_model_data.parameters[f"unemployed_share_{skill}"]
        assert base["tightness_base_year"] == pytest.approx(base["gap"] / (unemployed * share))
        assert rows["tightness_base_year"].n_unique() == 1  # the base year's, beside every year's ITA
    # a group's unemployed are the skill's in proportion to its hires, as its flows are
    care = next(u for u in units if u.group == "care" and u.skill == "digital")
    share = real_model_data.parameters["unemployed_share_digital"]
    assert care.matching_unemployed == pytest.approx(unemployed * share * care.hires_share)


def test_before_2013_the_demand_trend_is_backtested_on_technical_occupations_with_only_what_was_known(
    real_model_data, real_backtest
):
    """82808NED reaches back to 2003: the demand for filled jobs, the one part of the account whose inputs do, is
    run from base years 2007-2011 over the 2008-09 and 2011-12 downturns, to 2012 (the occupation coding breaks in
    2013), and says its level on every row."""
    early = real_backtest.filter(pl.col("level") == "national_employment")
    assert sorted(early["origin"].unique()) == [2007, 2008, 2009, 2010, 2011]
    assert early["year"].max() == 2012 and set(early["skill"]) == {"technical"}
    assert early["employment_observed"].filter(early["year"] == 2009)[0] == pytest.approx(1_365_000)
    assert "downturn" in set(early["regime"])
    # a later year tripled changes no forecast made before it
    later = {k: v * 3 if k[1] > 2009 else v for k, v in real_model_data.occupations_since_2003.items()}
    changed = dataclasses.replace(real_model_data, occupations_since_2003=later)
    regimes = dict.fromkeys(range(2000, 2013), "expansion")
    before, after = (
        backtest_employment_before_2013(d, regimes).filter(pl.col("origin") <= 2009) for d in (real_model_data, changed)
    )
    assert before["employment_predicted"].to_list() == pytest.approx(after["employment_predicted"].to_list())
