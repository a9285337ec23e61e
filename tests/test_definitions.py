import dagster as dg

from pipelines.definitions import defs
from sources.registry import TABLES

LAYERS = {"raw", "staging", "seeds", "marts", "forecast", "gaps", "publish"}


def test_definitions_load_with_the_job_the_schedule_and_the_sensor():
    repository = defs.get_repository_def()
    assert repository.get_job("materialize_everything")
    assert [s.name for s in repository.schedule_defs] == ["weekly_refresh"]
    assert [s.name for s in repository.sensor_defs] == ["cbs_release_sensor"]


def test_every_asset_has_a_layer_group_and_a_description():
    specs = list(defs.resolve_all_asset_specs())
    assert {spec.group_name for spec in specs} == LAYERS
    assert all(spec.description for spec in specs)
    keys = {spec.key.to_user_string() for spec in specs}
    assert {f"raw/cbs_{t.table_id.lower()}" for t in TABLES} <= keys
    assert {"staging/observations", "forecast/series_forecasts", "forecast/backtest", "publish/skill_gaps"} <= keys


def test_lineage_runs_from_every_source_table_to_the_published_gaps():
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["publish", "skill_gaps"]))
    ancestors = dg.AssetSelection.assets(upstream.key).upstream().resolve(graph)
    for spec in TABLES:
        assert dg.AssetKey(["raw", f"cbs_{spec.table_id.lower()}"]) in ancestors
    assert dg.AssetKey(["seeds", "group_composition"]) in ancestors
