import dagster as dg
import pytest

from pipelines.definitions import defs
from sources.registry import TABLES

LAYERS = {"raw", "staging", "seeds", "marts", "forecast", "publish"}


def test_definitions_load_with_the_job_the_schedule_and_the_sensors():
    repository = defs.get_repository_def()
    assert repository.get_job("materialize_everything")
    assert [s.name for s in repository.schedule_defs] == ["weekly_refresh"]
    assert [s.name for s in repository.sensor_defs] == ["cbs_release_sensor", "reclaim_dead_runs_sensor"]


def test_every_asset_has_a_layer_group_and_a_description():
    specs = list(defs.resolve_all_asset_specs())
    assert {spec.group_name for spec in specs} == LAYERS
    assert all(spec.description for spec in specs)
    keys = {spec.key.to_user_string() for spec in specs}
    assert {f"raw/cbs_{t.table_id.lower()}" for t in TABLES} <= keys
    assert {"staging/observations", "forecast/series_forecasts", "forecast/backtest", "publish/skill_gaps"} <= keys
    assert {"forecast/gap_backtest", "publish/reconciliation", "publish/gap_parameters"} <= keys
    assert {"publish/history", "publish/checks", "publish/accuracy"} <= keys


def test_every_asset_key_names_its_warehouse_table_and_its_group_is_that_tables_schema():
    for spec in defs.resolve_all_asset_specs():
        assert len(spec.key.path) == 2 and spec.key.path[0] == spec.group_name, spec.key


def test_each_gap_table_declares_only_the_tables_it_is_made_from():
    """What the UI draws: a table made from another gap table names that one, not every input again."""
    graph = defs.resolve_asset_graph()

    def parents(key: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(dg.AssetKey(key.split("/"))).parent_keys}

    assert parents("forecast/reconciliation") == {"forecast/skill_gaps", "seeds/reference_figures"}
    assert parents("forecast/skill_gaps_by_region") == {
        "forecast/skill_gaps",
        "marts/vacancies_by_region",
        "marts/employment_by_occupation_and_region",
        "seeds/group_composition",
    }
    assert parents("forecast/gap_parameters") == {"forecast/gap_calibration"}
    assert "marts/vacancies_by_region" not in parents("forecast/gap_backtest")
    assert "seeds/scenarios" in parents("forecast/skill_gaps_scenarios")
    assert not any(p.startswith("seeds/scenarios") for p in parents("forecast/skill_gaps"))
    edges = sum(len(graph.get(key).parent_keys) for key in graph.get_all_asset_keys())
    assert edges < 160  # was 250, 180 of them the nine gap tables each listing all 20 inputs


def test_lineage_runs_from_every_source_table_to_the_published_gaps():
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["publish", "skill_gaps"]))
    ancestors = dg.AssetSelection.assets(upstream.key).upstream().resolve(graph)
    for spec in TABLES:
        assert dg.AssetKey(["raw", f"cbs_{spec.table_id.lower()}"]) in ancestors
    assert dg.AssetKey(["seeds", "group_composition"]) in ancestors


def test_every_layer_has_its_quality_checks_beside_its_assets():
    checks = defs.resolve_asset_graph().asset_check_keys
    by_asset: dict[str, set[str]] = {}
    for key in checks:
        by_asset.setdefault(key.asset_key.to_user_string(), set()).add(key.name)
    assert by_asset["raw/cbs_85081ned"] == {"raw_columns", "raw_text_columns", "raw_row_count", "raw_not_empty"}
    assert "unique_observation_keys" in by_asset["staging/observations"]
    assert "group_composition_codes_found" in by_asset["seeds/group_composition"]
    assert "horizon_complete" in by_asset["forecast/series_forecasts"]
    # the publication gate sits on the published table itself
    assert {"full_grid", "skill_within_group", "gap_within_demand"} <= by_asset["publish/skill_gaps"]
    assert "forecast/skill_gaps" not in by_asset
    assert len(checks) == 4 * len(TABLES) + 35  # four raw checks for each table, and the layers above


def test_every_check_says_in_the_ui_what_it_makes_sure_of_and_how_severe_it_is():
    graph = defs.resolve_asset_graph()
    for key in graph.asset_check_keys:
        description = graph.get_check_spec(key).description
        assert description and description.endswith(("(blocking)", "(warning)")), key


def test_demo_runs_default_to_a_warehouse_of_their_own(monkeypatch):
    from assets.resources import settings_from_env

    monkeypatch.delenv("TALENTGAP_WAREHOUSE", raising=False)
    monkeypatch.setenv("TALENTGAP_SOURCE", "demo")
    assert settings_from_env().warehouse == "warehouse/demo/talentgap.duckdb"
    monkeypatch.setenv("TALENTGAP_DEMO_SCALE", "10")
    assert settings_from_env().warehouse == "warehouse/demo-x10/talentgap.duckdb"
    monkeypatch.setenv("TALENTGAP_SOURCE", "files")
    assert settings_from_env().warehouse == "warehouse/talentgap.duckdb"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TALENTGAP_END_YEAR", "abc", "TALENTGAP_END_YEAR='abc' is not a year"),
        ("TALENTGAP_END_YEAR", "2100", "TALENTGAP_END_YEAR=2100 is outside 2020-2040"),
        ("TALENTGAP_END_YEAR", "2019", "TALENTGAP_END_YEAR=2019 is outside 2020-2040"),
        ("TALENTGAP_SOURCE", "csv", "TALENTGAP_SOURCE='csv' is not one of cbs, files, demo"),
        ("TALENTGAP_DEMO_SCALE", "ten", "TALENTGAP_DEMO_SCALE='ten' is not a whole number"),
        ("TALENTGAP_DEMO_SCALE", "0", "TALENTGAP_DEMO_SCALE=0 is outside 1-1000"),
        (
            "TALENTGAP_CBS_URL",
            "http://169.254.169.254/latest",
            "TALENTGAP_CBS_URL='http://169.254.169.254/latest' is refused: plain http",
        ),
        (
            "TALENTGAP_CBS_URL",
            "https://example.org/odata",
            "TALENTGAP_CBS_URL='https://example.org/odata' is refused: example.org is not a CBS host",
        ),
        # numbers that float() and int() take but that switch a wait or a deadline off, or no one means
        ("TALENTGAP_LOCK_WAIT", "nan", "TALENTGAP_LOCK_WAIT='nan' is not a finite number of seconds"),
        ("TALENTGAP_LOCK_WAIT", "inf", "TALENTGAP_LOCK_WAIT='inf' is not a finite number of seconds"),
        ("TALENTGAP_LOCK_WAIT", "abc", "TALENTGAP_LOCK_WAIT='abc' is not a finite number of seconds"),
        ("TALENTGAP_LOCK_WAIT", "-5", "TALENTGAP_LOCK_WAIT=-5 is not a number of seconds from 0 to 86400"),
        ("TALENTGAP_CBS_DEADLINE", "nan", "TALENTGAP_CBS_DEADLINE='nan' is not a finite number of seconds"),
        ("TALENTGAP_CBS_DEADLINE", "0", "TALENTGAP_CBS_DEADLINE=0 is not a number of seconds above 0"),
        ("TALENTGAP_CBS_DEADLINE", "-1", "TALENTGAP_CBS_DEADLINE=-1 is not a number of seconds above 0"),
        ("TALENTGAP_END_YEAR", "２０３０", "TALENTGAP_END_YEAR='２０３０' is not a year"),
        ("TALENTGAP_DEMO_SCALE", "２", "TALENTGAP_DEMO_SCALE='２' is not a whole number"),
        ("TALENTGAP_WAREHOUSE", "", "TALENTGAP_WAREHOUSE='' names no file"),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused_by_name(monkeypatch, variable, value, message):
    from assets.resources import SettingsError, resources_from_env

    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        resources_from_env()  # what the code location builds before any run starts


def test_an_end_year_a_scenario_cannot_use_is_refused_at_start_naming_the_variable_and_the_line(monkeypatch):
    """Before, TALENTGAP_END_YEAR=2025 failed a minute into the run, in the gap step, naming only the seed."""
    from assets.resources import SettingsError, TalentgapSettings, resources_from_env, settings_from_env

    monkeypatch.setenv("TALENTGAP_END_YEAR", "2025")
    with pytest.raises(SettingsError) as refused:
        resources_from_env()
    message = str(refused.value)
    assert message.startswith("TALENTGAP_END_YEAR=2025 ends before changes of warehouse/seeds/scenarios.csv start")
    assert "line 3 (scenario 'more_graduates') from 2026" in message and "end year from 2027" in message
    with pytest.raises(ValueError, match="TALENTGAP_END_YEAR=2025 ends before"):  # made in code, as tests do
        TalentgapSettings(end_year=2025)
    monkeypatch.setenv("TALENTGAP_END_YEAR", "2027")  # the letter's growth and productivity levers start in 2027
    assert settings_from_env().end_year == 2027


def test_a_wait_or_deadline_given_in_code_is_checked_as_the_environments_is():
    from assets.resources import TalentgapSettings, WarehouseResource

    with pytest.raises(ValueError, match="TALENTGAP_CBS_DEADLINE=nan is not a number of seconds above 0"):
        TalentgapSettings(cbs_deadline_s=float("nan"))
    with pytest.raises(ValueError, match="TALENTGAP_LOCK_WAIT=-1 is not a number of seconds from 0"):
        WarehouseResource(database="warehouse/talentgap.duckdb", lock_wait_seconds=-1)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("rollback", "roll-back failed: TALENTGAP_LOCK_WAIT='abc' is not a finite number of seconds (such as 30)\n"),
        ("reexport", "re-export failed: TALENTGAP_LOCK_WAIT='abc' is not a finite number of seconds (such as 30)\n"),
    ],
)
def test_the_release_commands_refuse_a_setting_in_one_line_naming_it(tmp_path, monkeypatch, capsys, command, message):
    """Before, `TALENTGAP_LOCK_WAIT=abc python -m release.rollback ...` ended in a ValueError traceback."""
    from release import reexport, rollback

    warehouse = tmp_path / "talentgap.duckdb"
    warehouse.touch()
    monkeypatch.setenv("TALENTGAP_LOCK_WAIT", "abc")
    main = rollback.main if command == "rollback" else reexport.main
    extra = ["--reason", "wrong"] if command == "rollback" else []
    assert main(["r20250101T000000000000Z", "--warehouse", str(warehouse), *extra]) == 1
    assert capsys.readouterr().err == message


def test_the_release_commands_default_to_the_warehouse_a_run_with_the_same_settings_writes(
    tmp_path, monkeypatch, capsys
):
    from release.rollback import main

    monkeypatch.delenv("TALENTGAP_WAREHOUSE", raising=False)
    monkeypatch.setenv("TALENTGAP_SOURCE", "demo")
    monkeypatch.chdir(tmp_path)
    assert main(["r20250101T000000000000Z", "--reason", "wrong"]) == 1
    assert capsys.readouterr().err == "roll-back failed: no warehouse at warehouse/demo/talentgap.duckdb\n"


def test_the_launchpad_cannot_point_a_run_at_another_warehouse_data_folder_or_url():
    """The code location's resources have no run config: what the UI's launchpad would send to change them is refused
    before a run starts."""
    job = defs.resolve_job_def("materialize_everything")
    for key in ("settings", "duckdb"):
        assert not job.resource_defs[key].config_schema.as_field().config_type.fields, key
    launchpad = {
        "resources": {
            "settings": {"config": {"warehouse": "/tmp/x.duckdb", "data_dir": "/", "cbs_url": "https://example.org"}},
            "duckdb": {"config": {"database": "/tmp/x.duckdb"}},
        }
    }
    with pytest.raises(dg.DagsterInvalidConfigError, match="unexpected config entr"):
        dg.validate_run_config(job, launchpad)


def test_the_fixed_warehouse_resource_still_holds_the_warehouses_lock_for_the_run(monkeypatch, tmp_path):
    from assets.resources import WarehouseResource, resources_from_env
    from warehouse import lock

    warehouse = tmp_path / "talentgap.duckdb"
    monkeypatch.setenv("TALENTGAP_WAREHOUSE", str(warehouse))
    with dg.build_resources({"duckdb": resources_from_env()["duckdb"]}) as resources:
        assert isinstance(resources.duckdb, WarehouseResource) and resources.duckdb.database == str(warehouse)
        with pytest.raises(lock.WarehouseBusy):
            lock.acquire(warehouse, "another run")
    lock.release(lock.acquire(warehouse, "the next run"))  # released when the run's resources are torn down


def test_a_warehouse_that_cannot_be_opened_fails_at_once_by_name():
    import time

    from assets.resources import WarehouseResource, WarehouseUnavailable

    started = time.monotonic()
    resource = WarehouseResource(database="/proc/talentgap/talentgap.duckdb")  # not writable, even for root
    message = "warehouse /proc/talentgap/talentgap.duckdb cannot be opened"
    with pytest.raises(WarehouseUnavailable, match=message), resource.get_connection():
        pass
    assert time.monotonic() - started < 5  # not retried for minutes


def test_a_scaled_demo_source_has_n_times_the_series_in_the_same_shape():
    from sources.demo import DemoSource
    from sources.registry import get_table

    spec = get_table("83599NED")  # open vacancies per sector and province
    plain, scaled = DemoSource().fetch(spec), DemoSource(scale=3).fetch(spec)
    assert scaled.frame.columns == plain.frame.columns and scaled.data_source == "demo"
    regions = set(plain.frame["RegioS"])
    copies = set(scaled.frame["RegioS"]) - regions
    assert len(copies) == 2 * (len(regions) - 1)  # two copies of every province, none of the country
    assert all(c.startswith(("synthetic-2 ", "synthetic-3 ")) for c in copies)
    assert scaled.frame.height == plain.frame.height * (len(regions) + len(copies)) // len(regions)
    assert "scale=3" in scaled.location
