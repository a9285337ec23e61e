"""Policy scenarios and sensitivities: the seed's validation, the baseline equal to the publication, what each lever
does to the gap, and the tornado's ranking checked against a rerun of the whole model (on the real CBS exports)."""

from __future__ import annotations

import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pytest

from assets.seeds import VALIDATORS
from models.gap.inputs import GAP_INPUT_TABLES, model_data, units_at
from models.gap.projection import project_unit
from models.gap.scenarios import (
    BASELINE,
    ScenarioError,
    changes_after,
    check_parameters,
    check_years,
    flows,
    parameter_ranges,
    reactivated,
    read_scenarios,
    run,
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
    assert changes_after(seed, 2040) == [] and changes_after(read_seed("scenarios"), 2026) == []


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
    graduates = scenarios.filter(pl.col("scenario") == "more_graduates")
    assert (graduates.filter(pl.col("year") <= 2025)["difference"] == 0).all()
    assert (graduates.filter(pl.col("year") >= 2026)["difference"] < 0).all()
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
