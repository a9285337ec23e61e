from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from models.gap_inputs import Marts, ModelData, load_model_data
from pipelines.definitions import all_assets, all_checks
from pipelines.resources import TalentgapSettings, duckdb_resource
from warehouse.db import read_seed

REAL_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.fail(f"the real CBS exports are expected at {REAL_DATA} (../shared/data/real from the project root)")
    return REAL_DATA


def run_pipeline(
    source: str, warehouse: Path, data_dir: Path | None = None, settings: TalentgapSettings | None = None
) -> dg.ExecuteInProcessResult:
    """Materialise every asset into a warehouse of the test's own, as `dagster asset materialize` would."""
    settings = settings or TalentgapSettings(source=source, data_dir=str(data_dir or ""), warehouse=str(warehouse))
    return dg.materialize(
        [*all_assets, *all_checks],
        resources={"settings": settings, "duckdb": duckdb_resource(str(warehouse))},
        raise_on_error=False,
    )


@pytest.fixture(scope="session")
def real_run(real_data, tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The whole pipeline on the real CBS exports, once per test session."""
    warehouse = tmp_path_factory.mktemp("real") / "talentgap.duckdb"
    result = run_pipeline("files", warehouse, real_data)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return warehouse, result


@pytest.fixture(scope="session")
def real_model_data(real_run) -> ModelData:
    """The gap model's inputs as the real run read them (later tests run broken inputs through the same warehouse)."""
    warehouse, _ = real_run
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        marts = Marts(**{role: conn.sql(f"select * from marts.{role}").pl() for role in Marts.__dataclass_fields__})
        forecasts = conn.sql("select * from forecast.series_forecasts").pl()
    seeds = {name: read_seed(name) for name in ("group_composition", "sbi_hierarchy", "occupation_skills")}
    return load_model_data(
        marts,
        forecasts,
        seeds["group_composition"],
        seeds["sbi_hierarchy"].with_columns(pl.col("complete") == "true"),
        seeds["occupation_skills"],
        read_seed("education_skills"),
        {row["name"]: float(row["value"]) for row in read_seed("parameters").iter_rows(named=True)},
    )
