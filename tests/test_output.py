"""Demand as output growth - labour productivity growth + intensity: the sectors found for a group's codes, the
re-expression that leaves the baseline where it was, and the letter's two levers (more growth, more productivity)."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest

from models.gap.inputs import units_at
from models.gap.output import SectorError, SectorGrowth, demand_path, group_growth, sector_of
from models.gap.projection import demand_of
from models.gap.scenarios import read_scenarios, run
from models.gap.stock_flow import damped_trend
from tests.test_scenarios import GROUPS, scenarios_from
from warehouse.db import read_seed

ACCOUNTS = ("A-U", "C", "20-21", "26-27", "28", "29-30", "D", "F", "J", "M", "O", "P", "Q")


@pytest.mark.parametrize(
    ("code", "sector"),
    [("62-63", "J"), ("61", "J"), ("21", "20-21"), ("20", "20-21"), ("26", "26-27"), ("28", "28")]
    + [("87-88", "Q"), ("88", "Q"), ("84", "O"), ("72", "M"), ("F", "F"), ("A-U", "A-U"), ("10-12", "C")],
)
def test_each_employment_code_is_read_in_the_narrowest_sector_that_holds_it(code, sector):
    assert sector_of(code, ACCOUNTS) == sector


def test_a_code_no_sector_holds_or_that_is_no_code_is_an_error():
    with pytest.raises(SectorError, match="no sector with output and labour volume holds SBI 62-63"):
        sector_of("62-63", ("C", "F"))
    with pytest.raises(SectorError, match="'Politie' is not an SBI 2008 code"):
        sector_of("Politie", ACCOUNTS)


def test_a_group_of_two_sectors_grows_as_their_employment_weighted_mean():
    value_added = {("D", 2021): 100.0, ("D", 2022): 110.0, ("F", 2021): 200.0, ("F", 2022): 200.0}
    labour = {("D", 2021): 10.0, ("D", 2022): 10.0, ("F", 2021): 50.0, ("F", 2022): 55.0}
    employment = {("D", 2022): 40.0, ("F", 2022): 400.0}
    growth = group_growth({"D": 1.0, "F": 0.5}, employment, value_added, labour, 2022)
    # weights 40 (D) and 0.5 x 400 = 200 (F)
    assert growth.output[2022] == pytest.approx(40 / 240 * np.log(1.1))
    assert growth.labour[2022] == pytest.approx(200 / 240 * np.log(1.1))
    assert growth.productivity(2022) == pytest.approx((40 - 200) / 240 * np.log(1.1))
    assert growth.sectors == "D for D; F for F"


def test_the_three_parts_add_up_to_the_trend_and_the_lead_over_the_economy_fades():
    group = SectorGrowth("J", {2021: 0.05, 2022: 0.03}, {2021: 0.02, 2022: 0.02})
    economy = SectorGrowth("A-U", {2021: 0.02, 2022: 0.02}, {2021: 0.01, 2022: 0.01})
    trend, fade = damped_trend(0.06, 0.014, 0.9, 8)
    path = demand_path(trend, fade, group, economy, [2021, 2022], 0.01, 0.004)
    assert path.growth == pytest.approx(trend, abs=1e-15)
    # output: the national path plus J's lead of 2 points, fading at the trend's damping
    assert path.output == pytest.approx(0.01 + 0.02 * 0.9 ** np.arange(8))
    assert path.productivity == pytest.approx(0.004 + (0.02 - 0.01) * 0.9 ** np.arange(8))


def test_the_re_expression_leaves_every_published_demand_path_as_the_projection_runs_it(real_model_data):
    years = np.arange(2023, 2031)
    damping = real_model_data.parameters["trend_damping"]
    for unit in units_at(real_model_data, 2022):
        own = unit.calibration.summary()["employment_growth"][0]
        trend, _ = damped_trend(own, unit.long_run_growth, damping, len(years))
        assert demand_of(unit, real_model_data, years).growth == pytest.approx(trend, abs=1e-12), unit.group


def test_the_published_base_year_splits_its_employment_growth_into_output_productivity_and_intensity(golden):
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        rows = conn.sql(
            "select g.sector_group, g.skill, g.output_growth - g.labour_productivity_growth "
            "+ g.skill_intensity_growth as parts, ln(g.employment / h.employment) as growth "
            "from publish.latest_skill_gaps g join publish.history h on h.release_id = g.release_id "
            "and h.sector_group = g.sector_group and h.skill = g.skill and h.year = g.year - 1 "
            "where g.observed"
        ).pl()
        projected = conn.sql("select * from publish.latest_skill_gaps where not observed and output_growth is null")
        units = conn.sql("select count(distinct (sector_group, skill)) from publish.latest_skill_gaps").fetchone()[0]
        assert rows.height == units and not projected.fetchall()
    assert (rows["parts"] - rows["growth"]).abs().max() < 1e-9


@pytest.fixture(scope="module")
def letter_levers() -> dict:
    return {s.name: s for s in read_scenarios(read_seed("scenarios"), GROUPS)}


def test_more_growth_widens_every_gap_more_productivity_narrows_it_and_together_they_cancel(
    real_model_data, letter_levers
):
    years = np.arange(2023, 2031)
    growth, productivity, taskforce = (letter_levers[n] for n in ("growth_1_5", "productivity_plus", "taskforce"))
    for unit in units_at(real_model_data, 2022):
        baseline = run(unit, real_model_data, years)["gap"]
        more_output = run(unit, real_model_data, years, changes=growth.changes)["gap"] - baseline
        more_productivity = run(unit, real_model_data, years, changes=productivity.changes)["gap"] - baseline
        both = run(unit, real_model_data, years, changes=taskforce.changes)["gap"] - baseline
        assert (more_output[years < 2027] == 0).all() and (more_output[years >= 2027] > 0).all(), unit.group
        assert (more_productivity[years < 2027] == 0).all() and (more_productivity[years >= 2027] < 0).all()
        # 1.5% against the seed's 1%, reached with half a point more productivity: no extra workers
        assert both == pytest.approx(0.0, abs=1e-6)


def test_the_output_lever_is_read_against_the_baseline_path_and_a_lower_target_lowers_demand(real_model_data):
    years = np.arange(2023, 2031)
    scenarios = {
        s.name: s
        for s in read_scenarios(
            scenarios_from(
                "same,output_growth,all,all,0.01,2025,the seed's own path",
                "slower,output_growth,all,technical,0.005,2025,half a point slower",
            ),
            GROUPS,
        )
    }
    unit = next(u for u in units_at(real_model_data, 2022) if u.group == "national" and u.skill == "technical")
    baseline = run(unit, real_model_data, years)["gap"]
    assert run(unit, real_model_data, years, changes=scenarios["same"].changes)["gap"] == pytest.approx(baseline)
    slower = run(unit, real_model_data, years, changes=scenarios["slower"].changes)["gap"]
    assert (slower[2:] < baseline[2:]).all()


def test_the_published_letter_scenarios_have_national_and_group_effects_with_intervals(golden):
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        effects = conn.sql(
            "select * from publish.skill_gaps_scenarios where release_id = (select max(release_id) from "
            "publish.releases) and year = 2030 and scenario in ('growth_1_5', 'productivity_plus', 'taskforce')"
        ).pl()
        units = conn.sql("select count(distinct (sector_group, skill)) from publish.latest_skill_gaps").fetchone()[0]
    assert effects.height == 3 * (units + 2)
    national = effects.filter(pl.col("sector_group") == "national")
    assert national.height == 6 and national["difference"].is_not_null().all()
    # growth without productivity asks for more workers than the seed's path, within an interval from the drawn path
    growth = effects.filter(pl.col("scenario") == "growth_1_5")
    assert (growth["difference_lower"] > 0).all() and (growth["difference_upper"] > growth["difference"]).all()
    taskforce = effects.filter(pl.col("scenario") == "taskforce")
    assert (taskforce["difference_lower"] < 0).all() and (taskforce["difference_upper"] > 0).all()
