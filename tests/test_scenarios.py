"""Policy scenarios and sensitivities: the seed's validation, the baseline equal to the publication, what each lever
does to the gap, and the tornado's ranking checked against a rerun of the whole model (on the real CBS exports)."""

from __future__ import annotations

import dataclasses

import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pytest

from assets.seeds import VALIDATORS
from models.gap.cycle import Response
from models.gap.inputs import GAP_INPUT_TABLES, NATIONAL, model_data, units_at
from models.gap.model import DRAWS, Simulation
from models.gap.projection import demand_of, project_unit
from models.gap.scenarios import (
    BASELINE,
    LEVER_PARAMETERS,
    ScenarioError,
    abroad_flow,
    changes_after,
    check_parameters,
    check_years,
    flows,
    graduated,
    parameter_ranges,
    present_from_abroad,
    reactivated,
    read_scenarios,
    retention,
    run,
    scenario_frame,
)
from models.gap.stock_flow import project
from tests.conftest import run_pipeline
from warehouse.db import read_seed, read_tables

GROUPS = read_seed("sector_groups")["sector_group"].to_list()
HEADER = "scenario,lever,sector_group,skill,value,from_year,description"
BASELINE_ROW = "baseline,,,,,,the published forecast"


def scenarios_from(*rows: str) -> pl.DataFrame:
    text = "\n".join([HEADER, BASELINE_ROW, *rows]) + "\n"
    return pl.read_csv(text.encode(), infer_schema=False)


def test_the_shipped_scenarios_are_valid_and_the_baseline_comes_first():
    scenarios = read_scenarios(read_seed("scenarios"), GROUPS)
    assert scenarios[0].name == BASELINE and not scenarios[0].changes
    assert len(scenarios) >= 6
    combined = next(s for s in scenarios if s.name == "talent_strategy")
    assert {c.lever for c in combined.changes} == {
        "school_leavers_factor",
        "unemployed_reactivation_rate",
        "entrants_from_abroad",
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "more,school_leaver_factor,all,all,1.2,2026,typo",
            "line 3, column lever (scenario 'more'): 'school_leaver_factor' is not a lever",
        ),
        (
            "more,school_leavers_factor,all,all,3,2026,too many",
            "line 3, column value (scenario 'more'): 3 is outside school_leavers_factor's range 0.5 to 2",
        ),
        (
            "more,school_leavers_factor,all,all,lots,2026,words",
            "column value (scenario 'more'): 'lots' is not a number",
        ),
        (
            "more,demand_growth,hospitals,all,0.01,2025,unknown group",
            "column sector_group (scenario 'more'): 'hospitals' is not a priority group",
        ),
        (
            "more,demand_growth,care,green,0.01,2025,unknown skill",
            "column skill (scenario 'more'): 'green' is not a skill",
        ),
        ("more,demand_growth,care,all,0.01,26,short year", "column from_year (scenario 'more'): '26' is not a year"),
        (
            "more,demand_growth,care,all,0.01,２０２６,wide",
            "column from_year (scenario 'more'): '２０２６' is not a year",
        ),
        ("more,entrants_from_abroad,care,digital,100,2025,per group", "entrants_from_abroad is a national number"),
        ("More Grads,school_leavers_factor,all,all,1.2,2026,bad name", "column scenario (scenario 'More Grads')"),
        ("more,school_leavers_factor,all,all,1.2,2026,", "column description (scenario 'more')"),
        (
            "baseline,demand_growth,all,all,0.01,2025,changed",
            "the baseline is the published forecast and changes nothing",
        ),
    ],
)
def test_a_scenario_row_that_cannot_be_used_is_an_error_naming_line_and_column(row, message):
    with pytest.raises(ScenarioError) as error:
        read_scenarios(scenarios_from(row), GROUPS)
    assert message in str(error.value)
    assert "warehouse/seeds/scenarios.csv" in str(error.value)


def test_a_lever_set_twice_a_missing_baseline_and_columns_are_errors():
    twice = scenarios_from(
        "more,school_leavers_factor,all,all,1.2,2026,a", "more,school_leavers_factor,all,all,1.3,2027,b"
    )
    with pytest.raises(ScenarioError, match="line 4, column lever .* overlaps line 3"):
        read_scenarios(twice, GROUPS)
    without = scenarios_from("more,school_leavers_factor,all,all,1.2,2026,a").filter(pl.col("scenario") != BASELINE)
    with pytest.raises(ScenarioError, match="no row for the scenario 'baseline'"):
        read_scenarios(without, GROUPS)
    with pytest.raises(ScenarioError, match="lacks column"):
        read_scenarios(scenarios_from().drop("from_year"), GROUPS)


def test_two_changes_of_one_lever_on_overlapping_scopes_are_an_error():
    overlapping = scenarios_from(
        "more,entrants_from_abroad,all,all,1000,2025,everyone",
        "more,entrants_from_abroad,all,digital,500,2025,and ICT again",
    )
    with pytest.raises(ScenarioError, match=r"line 4, column lever .* overlaps line 3 \(all x all\)"):
        read_scenarios(overlapping, GROUPS)
    apart = scenarios_from(
        "more,demand_growth,care,all,0.01,2025,care", "more,demand_growth,education,all,0.01,2025,education"
    )
    assert len(read_scenarios(apart, GROUPS)[1].changes) == 2


def test_a_change_outside_the_projected_years_is_an_error():
    scenarios = read_scenarios(scenarios_from("late,demand_growth,care,all,0.01,2040,too late"), GROUPS)
    with pytest.raises(ScenarioError, match=r"line 3, column from_year \(scenario 'late'\): 2040 is not a projected"):
        check_years(scenarios, 2022, 2030)
    check_years(scenarios, 2022, 2040)


def test_the_changes_an_end_year_cannot_use_are_found_before_the_seed_is_checked():
    seed = scenarios_from("late,demand_growth,care,all,0.01,2031,late", "later,demand_growth,care,all,nine,2035,bad")
    assert changes_after(seed, 2030) == [(3, "late", 2031), (4, "later", 2035)]
    assert changes_after(seed, 2040) == [] and changes_after(read_seed("scenarios"), 2027) == []


def test_more_of_the_unemployed_at_work_draws_the_pool_down():
    pool = np.full(6, 1000.0)
    assert reactivated(pool, 0.3, np.ones(6)) == pytest.approx(np.full(6, 300.0))
    boosted = reactivated(pool, 0.3, np.array([1, 1, 4 / 3, 4 / 3, 4 / 3, 4 / 3]))
    extra = boosted - 300.0
    assert extra[:2] == pytest.approx([0, 0]) and extra[2] == pytest.approx(100.0)
    # those put to work earlier are no longer unemployed: the extra fades year by year
    assert (np.diff(extra[2:]) < 0).all()
    assert extra[3] == pytest.approx((1000 - 100) * 0.4 - 300)


def test_a_parameter_outside_its_own_range_is_an_error():
    parameters = read_seed("parameters").with_columns(
        pl.when(pl.col("name") == "field_match_rate").then(pl.lit("0.9")).otherwise(pl.col("high")).alias("high"),
        pl.when(pl.col("name") == "field_match_rate").then(pl.lit("0.7")).otherwise(pl.col("low")).alias("low"),
    )
    with pytest.raises(ScenarioError, match=r"parameters.csv line 7 \(field_match_rate\): 0.5 is not within"):
        parameter_ranges(parameters)


def with_parameter(name: str, **columns: str) -> pl.DataFrame:
    """The shipped parameters with `columns` of one of them replaced."""
    parameters = read_seed("parameters")
    return parameters.with_columns(
        pl.when(pl.col("name") == name).then(pl.lit(text)).otherwise(pl.col(column)).alias(column)
        for column, text in columns.items()
    )


def test_the_shipped_parameters_are_valid():
    check_parameters(read_seed("parameters"))


@pytest.mark.parametrize(
    ("name", "columns", "message"),
    [
        (
            "retirement_window_years",
            {"value": "1e308", "high": "1e309"},
            "line 2 (retirement_window_years), column value: '1e308' is outside 1-50",
        ),
        (
            "retirement_window_years",
            {"low": "-inf"},
            "line 2 (retirement_window_years), column low: '-inf' is not a finite number",
        ),
        ("trend_damping", {"high": "inf"}, "line 11 (trend_damping), column high: 'inf' is not a finite number"),
        ("other_exit_rate", {"value": "nan"}, "line 3 (other_exit_rate), column value: 'nan' is not a finite number"),
        (
            "other_exit_rate",
            {"value": "-0.015", "low": "-0.02", "high": "-0.01"},
            "line 3 (other_exit_rate), column value: '-0.015' is outside 0-1",
        ),
        (
            "mbo_entry_rate",
            {"value": "7", "low": "5", "high": "8"},
            "line 4 (mbo_entry_rate), column value: '7' is outside 0-1",
        ),
        (
            "he_graduates_per_enrolled",
            {"high": "2"},
            "line 5 (he_graduates_per_enrolled), column high: '2' is outside 0-1",
        ),
        ("unemployed_reactivation_rate", {"value": "0", "low": "0"}, "column value: '0' must be above 0"),
        (
            "field_match_rate",
            {"value": "０.５"},
            "line 7 (field_match_rate), column value: '０.５' is not a finite number",
        ),
        (
            "survey_break_year",
            {"value": "twenty-twenty-one"},
            "line 12 (survey_break_year), column value: 'twenty-twenty-one' is not a year (1990-2040)",
        ),
        ("survey_break_year", {"value": "2021.5"}, "line 12 (survey_break_year), column value: '2021.5' is not a year"),
        ("survey_break_year", {"value": "3021"}, "line 12 (survey_break_year), column value: '3021' is not a year"),
        ("trend_damping", {"unit": "persons"}, "line 11 (trend_damping), column unit: 'persons' is not a unit"),
    ],
)
def test_a_parameter_that_cannot_be_used_is_an_error_naming_file_line_parameter_and_value(name, columns, message):
    """Before, 1e308, inf, a negative rate, a share of 7 and a year in words all passed the seed's validation."""
    with pytest.raises(ScenarioError) as error:
        VALIDATORS["parameters"](with_parameter(name, **columns))  # what the seeds step runs before writing
    assert str(error.value).startswith("warehouse/seeds/parameters.csv line ")
    assert message in str(error.value)


def test_a_bad_parameter_stops_the_run_at_the_seed_before_anything_is_written(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with_parameter("mbo_entry_rate", value="7", low="5", high="8").write_csv(seeds / "parameters.csv")
    monkeypatch.setattr("warehouse.db.SEEDS_DIR", seeds)
    warehouse = tmp_path / "talentgap.duckdb"
    result = run_pipeline("files", warehouse, tmp_path, selection=dg.AssetSelection.assets("seeds/parameters"))
    assert not result.success
    failure = " ".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)
    assert "parameters.csv line 4 (mbo_entry_rate), column value: '7' is outside 0-1" in failure
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert not conn.execute("select * from duckdb_tables() where table_name = 'parameters'").fetchall()


def test_a_bad_scenario_seed_stops_the_run_at_the_seed_before_anything_is_written(tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("scenarios", "sector_groups"):
        read_seed(name).write_csv(seeds / f"{name}.csv")
    text = (seeds / "scenarios.csv").read_text() + "extra,retirement_window_years,all,all,40,2025,forty years\n"
    (seeds / "scenarios.csv").write_text(text)
    monkeypatch.setattr("warehouse.db.SEEDS_DIR", seeds)
    warehouse = tmp_path / "talentgap.duckdb"
    result = run_pipeline("files", warehouse, tmp_path, selection=dg.AssetSelection.assets("seeds/scenarios"))
    assert not result.success
    failure = " ".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)
    assert "column value (scenario 'extra'): 40 is outside retirement_window_years's range 5 to 20" in failure
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert not conn.execute("select * from duckdb_tables() where table_name = 'scenarios'").fetchall()


@pytest.fixture(scope="module")
def published(golden) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        latest = conn.execute("select max(release_id) from publish.releases").fetchone()[0]
        return {
            name: conn.sql(f"select * from publish.{name} where release_id = ?", params=[latest]).pl()
            for name in ("skill_gaps", "skill_gaps_scenarios", "gap_sensitivities")
        }


def test_the_baseline_scenario_is_the_main_publication(published):
    baseline = published["skill_gaps_scenarios"].filter(pl.col("scenario") == BASELINE, pl.col("kind") != "national")
    columns = ["demand", "supply", "gap", "gap_lower", "gap_upper", "gap_lower_95", "gap_upper_95"]
    keys = ["sector_group", "skill", "year"]
    assert baseline.height == published["skill_gaps"].height == len(GROUPS) * 2 * 9  # 2022-2030
    joined = baseline.select(*keys, *columns).join(published["skill_gaps"].select(*keys, *columns), on=keys)
    assert joined.height == len(GROUPS) * 2 * 9
    for column in columns:
        assert (joined[column] - joined[f"{column}_right"]).abs().max() < 1e-6, column
    assert (baseline["difference"] == 0).all()


def test_each_scenario_moves_the_gaps_it_should_from_its_year_on(published):
    scenarios = published["skill_gaps_scenarios"]
    assert scenarios["scenario"].n_unique() >= 6
    # a larger intake from 2026 graduates from mbo after three years (the seed's length): nothing before 2029
    graduates = scenarios.filter(pl.col("scenario") == "more_graduates")
    assert (graduates.filter(pl.col("year") <= 2028)["difference"] == 0).all()
    assert (graduates.filter(pl.col("year") >= 2029)["difference"] < 0).all()
    care = scenarios.filter(pl.col("scenario") == "care_demand", pl.col("year") >= 2025)
    assert (care.filter(pl.col("sector_group") == "care")["difference"] > 0).all()
    others = care.filter(~pl.col("sector_group").is_in(["care", "national"]))
    assert (others["difference"] == 0).all() and not others["scenario_applies"].any()
    assert others["scenario_note"].str.contains("none of this scenario's changes applies").all()
    # a group's lever is not the economy's: the national rows say so instead of showing a false zero
    national = care.filter(pl.col("sector_group") == "national")
    assert national["difference"].is_null().all() and national["gap"].is_null().all()
    assert national["scenario_note"].str.contains("changes care only").all()
    # every difference and gap lies within its own intervals
    assert (scenarios["difference_lower_95"] <= scenarios["difference_lower"]).all()
    modelled = scenarios.filter(pl.col("difference").is_not_null())
    assert modelled.filter(~pl.col("difference").is_between("difference_lower", "difference_upper")).is_empty()
    assert modelled.filter(~pl.col("gap").is_between("gap_lower", "gap_upper")).is_empty()


def test_entrants_from_abroad_close_the_gap_one_for_one_in_their_first_year(published, real_model_data):
    hires = {(u.group, u.skill): u.hires_share for u in units_at(real_model_data, real_model_data.last_year)}
    first = published["skill_gaps_scenarios"].filter(
        pl.col("scenario") == "entrants_from_abroad", pl.col("year") == 2025
    )
    for row in first.iter_rows(named=True):
        extra = 4000 if row["skill"] == "technical" else 3000
        assert row["difference"] == pytest.approx(-extra * hires[(row["sector_group"], row["skill"])]), row


def test_the_scenario_flows_without_changes_are_the_published_projection(real_model_data):
    years = np.arange(2023, 2031)
    for unit in units_at(real_model_data, 2022):
        drivers, damping = flows(unit, real_model_data, years)
        again = project(
            unit.history, unit.calibration, drivers, damping, unit.long_run_growth, unit.cycle, unit.response
        )["gap"]
        assert again == pytest.approx(project_unit(unit, real_model_data, years, forecasts=True)["gap"], rel=1e-9)


def test_the_tornado_ranks_inputs_by_their_swing_and_agrees_with_a_rerun_of_the_model(published, golden):
    tornado = published["gap_sensitivities"]
    for _, part in tornado.group_by("sector_group", "skill", "year"):
        ordered = part.sort("rank")
        assert ordered["rank"].to_list() == list(range(1, part.height + 1))
        assert ordered["swing"].to_list() == sorted(ordered["swing"].to_list(), reverse=True)
        assert (
            "unemployed_share_" + ("digital" if part["skill"][0] == "technical" else "technical") not in part["input"]
        )
    # the assumption's swing is what the whole model gives when it is loaded again with the assumption changed
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        inputs = read_tables(conn, GAP_INPUT_TABLES)
    parameters = {r["name"]: float(r["value"]) for r in inputs["seeds.parameters"].iter_rows(named=True)}
    for name, value in (("unemployed_reactivation_rate", 0.4), ("field_match_rate", 0.4), ("mbo_entry_rate", 0.7)):
        changed = model_data(inputs, {name: value})
        end = "gap_at_high" if value > parameters[name] else "gap_at_low"
        for unit in units_at(changed, 2022):
            if unit.group == "national":
                continue
            rerun = project_unit(unit, changed, np.arange(2023, 2031), forecasts=True)["gap"][-1]
            row = tornado.filter(
                pl.col("sector_group") == unit.group,
                pl.col("skill") == unit.skill,
                pl.col("year") == 2030,
                pl.col("input") == name,
            )
            assert row[end][0] == pytest.approx(rerun, rel=1e-6), (name, unit.group, unit.skill)


def test_a_scenario_can_be_run_for_one_unit_under_drawn_assumptions(real_model_data):
    unit = units_at(real_model_data, 2022)[0]
    theta = {"field_match_rate": np.array([[0.4], [0.5], [0.6]])}
    gaps = run(unit, real_model_data, np.arange(2023, 2031), theta)["gap"]
    assert gaps.shape == (3, 8)
    assert gaps[1] == pytest.approx(project_unit(unit, real_model_data, np.arange(2023, 2031), forecasts=True)["gap"])
    assert not np.allclose(gaps[0], gaps[2])


YEARS = np.arange(2023, 2031)


def changes_of(*rows: str) -> tuple:
    """The changes of one scenario `rows` make (the scenario named `s`)."""
    return read_scenarios(scenarios_from(*(f"s,{row},test" for row in rows)), GROUPS)[1].changes


def national(data, skill: str):
    return next(u for u in units_at(data, 2022) if u.group == NATIONAL and u.skill == skill)


def test_a_cohort_from_abroad_thins_along_the_retention_curve():
    curve = retention(np.arange(9), 0.6, 0.4, 0.06)
    assert curve[[0, 2, 5]] == pytest.approx([1.0, 0.6, 0.4])
    assert curve[7] == pytest.approx(0.4 * 0.94**2)
    assert (np.diff(curve) < 0).all()
    # a drawn five-year share above the two-year one never makes a cohort grow
    assert (np.diff(retention(np.arange(9), 0.55, 0.6, 0.03)) <= 0).all()
    # one cohort alone is the curve; every year's arrivals add up their cohorts
    one = present_from_abroad(np.array([0, 1000.0, 0, 0, 0, 0, 0]), 0.6, 0.4, 0.06)
    assert one == pytest.approx(np.concatenate([[0.0], 1000 * retention(np.arange(6), 0.6, 0.4, 0.06)]))
    yearly = present_from_abroad(np.full(6, 3000.0), 0.6, 0.4, 0.06)
    assert yearly == pytest.approx(3000 * np.cumsum(retention(np.arange(6), 0.6, 0.4, 0.06)))
    # drawn curves give one path per draw
    drawn = present_from_abroad(np.full(6, 3000.0), np.array([[0.55], [0.8]]), 0.4, 0.06)
    assert drawn.shape == (2, 6) and (drawn[1, 1:] > drawn[0, 1:]).all()


def test_the_account_keeps_exactly_the_cohorts_still_present(real_model_data):
    """With no other entrants, the lever's workers in supply are the cohorts the curve keeps, whatever the
    account's outflow (the curve counts all their departures)."""
    unit = national(real_model_data, "digital")
    still = dataclasses.replace(unit, response=Response(0.0, 0.0, 0.0, 0.0))
    changes = changes_of("entrants_from_abroad,all,digital,3000,2025")
    supply = (
        run(still, real_model_data, YEARS, changes=changes)["supply"] - run(still, real_model_data, YEARS)["supply"]
    )
    seed = real_model_data.parameters
    curve = [seed[n] for n in ("abroad_stay_2_years", "abroad_stay_5_years", "abroad_departure_rate_after_5_years")]
    expected = present_from_abroad(np.where(YEARS >= 2025, 3000.0, 0.0), *curve)
    assert supply == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert abroad_flow(np.array([100.0, 150.0]), 0.1) == pytest.approx([100.0, 60.0])


def test_entrants_from_abroad_add_clearly_less_than_all_who_came_and_their_effect_fades(published):
    """3,000 ICT entrants a year from 2025: 18,000 came by 2030, but most of the early cohorts left again."""
    national_ict = published["skill_gaps_scenarios"].filter(
        pl.col("scenario") == "entrants_from_abroad",
        pl.col("sector_group") == NATIONAL,
        pl.col("skill") == "digital",
        pl.col("year") >= 2025,
    )
    effect = -national_ict.sort("year")["difference"].to_numpy()
    assert effect[-1] < 0.6 * 3000 * 6
    assert (np.diff(effect) > 0).all() and (np.diff(effect, 2) < 0).all()  # still growing, by less each year


def test_more_graduates_reach_the_labour_market_after_the_study(real_model_data):
    assert graduated(np.arange(2026, 2032), 2026, 3.0) == pytest.approx([0, 0, 0, 1, 1, 1])
    assert graduated(np.arange(2026, 2032), 2026, 4.5) == pytest.approx([0, 0, 0, 0, 0.5, 1])
    years = np.arange(2023, 2031)
    unit = national(real_model_data, "technical")
    baseline, _ = flows(unit, real_model_data, years)
    more, _ = flows(unit, real_model_data, years, changes=changes_of("school_leavers_factor,all,all,1.2,2026"))
    extra = more.school_leavers / baseline.school_leavers - 1
    assert extra[years < 2029] == pytest.approx(0.0)  # mbo takes three years, higher education four and a half
    assert (extra[years >= 2029] > 0).all()
    assert 0 < extra[years == 2029][0] < extra[years == 2030][0] < 0.2  # half of higher education's extra in 2030
    # a longer study (a draw) puts the first extra graduates later
    theta = {"mbo_study_years": np.array([[2.0], [4.0]])}
    drawn, _ = flows(unit, real_model_data, years, theta, changes_of("school_leavers_factor,all,all,1.2,2026"))
    base_drawn, _ = flows(unit, real_model_data, years, theta)
    started = drawn.school_leavers - base_drawn.school_leavers > 1e-9
    assert years[started[0]][0] == 2028 and years[started[1]][0] == 2030


def test_later_retirement_runs_through_the_outflow_the_baseline_uses(golden, real_model_data):
    """The lever's outflow is the one the model computes from the age structure with an 11-year window."""
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        later = model_data(read_tables(conn, GAP_INPUT_TABLES), {"retirement_window_years": 11.0})
    unit = national(real_model_data, "technical")
    drivers, _ = flows(unit, real_model_data, YEARS, changes=changes_of("retirement_window_years,all,all,11,2025"))
    assert drivers.outflow_rate[YEARS < 2025] == pytest.approx(real_model_data.outflow_rate[2022])
    assert drivers.outflow_rate[YEARS >= 2025] == pytest.approx(later.outflow_rate[2022], rel=1e-12)


def test_the_combined_scenario_is_the_sum_of_its_parts(published, real_model_data):
    """The account is linear in supply (other entrants = last year's supply x (mean rate + response x shortfall),
    and shortfall x supply = demand for filled jobs - supply): levers add up until a rate reaches its bound."""
    frame = published["skill_gaps_scenarios"].filter(pl.col("year") > 2022)
    wide = frame.pivot(on="scenario", index=["sector_group", "skill", "year"], values="difference")
    parts = wide["more_graduates"] + wide["reactivation"] + wide["entrants_from_abroad"]
    assert (wide["talent_strategy"] - parts).abs().max() < 1e-6
    # where the other-entrant rate reaches its calibrated bound, the levers interact
    unit = national(real_model_data, "digital")
    bounded = dataclasses.replace(unit, response=dataclasses.replace(unit.response, low=unit.response.mean_rate))
    one, other = (
        changes_of(row) for row in ("entrants_from_abroad,all,digital,50000,2025", "demand_growth,all,all,-0.05,2025")
    )
    gap = {
        name: run(bounded, real_model_data, YEARS, changes=c)["gap"]
        for name, c in (("one", one), ("other", other), ("both", one + other), ("none", ()))
    }
    assert abs((gap["both"] - gap["none"]) - (gap["one"] - gap["none"]) - (gap["other"] - gap["none"]))[-1] > 100


def test_a_levers_own_uncertainty_widens_its_interval(real_model_data):
    """Drawing the retention curve and the study lengths widens the effect's interval (before, the migration
    effect's 80% interval was about 3% of the effect)."""
    units = [u for u in units_at(real_model_data, 2022) if u.group == NATIONAL]
    simulations = [
        Simulation(
            u,
            YEARS,
            project_unit(u, real_model_data, YEARS, forecasts=True),
            np.ones((DRAWS, 1)),
            np.zeros((DRAWS, YEARS.size)),
            np.zeros((DRAWS, YEARS.size)),
            demand_of(u, real_model_data, YEARS),
        )
        for u in units
    ]
    scenarios = read_scenarios(read_seed("scenarios"), GROUPS)
    ranges = parameter_ranges(read_seed("parameters"))
    assert set(ranges) >= LEVER_PARAMETERS

    def widths(drawn: dict) -> dict:
        frame = scenario_frame(simulations, real_model_data, scenarios, drawn).filter(pl.col("year") == 2030)
        return {
            (r["scenario"], r["skill"]): (r["difference_upper"] - r["difference_lower"]) / abs(r["difference"])
            for r in frame.iter_rows(named=True)
            if r["scenario"] in ("entrants_from_abroad", "more_graduates")
        }

    fixed = widths({name: r for name, r in ranges.items() if name not in LEVER_PARAMETERS})
    drawn = widths(ranges)
    for key, width in drawn.items():
        assert width > 1.5 * fixed[key], key
    assert min(w for (s, _), w in drawn.items() if s == "entrants_from_abroad") > 0.1
