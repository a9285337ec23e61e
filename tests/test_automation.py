"""The sensor and the schedule, against the fake CBS server."""

import dagster as dg
import duckdb
import pytest

from assets.resources import TalentgapSettings
from pipelines.definitions import defs
from pipelines.sensors import cbs_release_sensor
from sources.registry import TABLES
from tests.conftest import run_pipeline
from tests.fake_cbs import FakeCbs, FakeTable
from warehouse.db import read_seed


@pytest.fixture
def fake():
    service = FakeCbs({}, modified={spec.table_id: "2023-08-16T02:00:00" for spec in TABLES})
    server, url = service.start()
    yield service, url
    server.shutdown()


def evaluate(url: str, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"settings": TalentgapSettings(source="cbs", cbs_url=url)}
    )
    return cbs_release_sensor(context), context.cursor


def test_the_sensor_requests_one_run_per_new_cbs_release(fake):
    service, url = fake
    first, cursor = evaluate(url, None)
    assert isinstance(first, dg.RunRequest) and "80472ned@2023-08-16T02:00:00+00:00" in first.run_key
    nothing, cursor = evaluate(url, cursor)
    assert isinstance(nothing, dg.SkipReason)

    service.modified["85920NED"] = "2023-11-14T02:00:00"
    second, _ = evaluate(url, cursor)
    assert second.run_key == "85920NED@2023-11-14T02:00:00+00:00"
    assert second.tags["talentgap/changed_tables"] == "85920NED"


def test_the_sensor_skips_when_the_source_is_not_cbs():
    context = dg.build_sensor_context(resources={"settings": TalentgapSettings(source="files")})
    assert isinstance(cbs_release_sensor(context), dg.SkipReason)


@pytest.mark.slow
def test_the_weekly_schedule_runs_the_full_job_and_the_cbs_source_feeds_the_whole_pipeline(real_data, tmp_path):
    schedule = defs.get_repository_def().get_schedule_def("weekly_refresh")
    request = schedule.evaluate_tick(dg.build_schedule_context()).run_requests[0]
    assert schedule.job_name == "materialize_everything" and request is not None

    tables = {spec.table_id: FakeTable.from_export(spec, real_data) for spec in TABLES}
    server, url = FakeCbs(tables, page_limit=5000).start()
    try:
        settings = TalentgapSettings(source="cbs", cbs_url=url, warehouse=str(tmp_path / "w.duckdb"))
        result = run_pipeline("cbs", tmp_path / "w.duckdb", settings=settings)
    finally:
        server.shutdown()
    assert result.success
    with duckdb.connect(str(tmp_path / "published" / "talentgap.duckdb"), read_only=True) as conn:
        assert conn.execute("select distinct data_source from publish.skill_gaps").fetchall() == [("cbs",)]
        assert conn.execute("select count(*) from publish.latest_skill_gaps").fetchone() == (
            len(read_seed("sector_groups")) * 2 * 9,
        )  # 2022-2030
