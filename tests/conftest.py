from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.resources import TalentgapSettings, duckdb_resource
from models.gap.inputs import GAP_INPUT_TABLES, ModelData, model_data
from pipelines.definitions import all_assets, all_checks
from warehouse.db import read_tables

REAL_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.fail(f"the real CBS exports are expected at {REAL_DATA} (../shared/data/real from the project root)")
    return REAL_DATA


def run_pipeline(
    source: str,
    warehouse: Path,
    data_dir: Path | None = None,
    settings: TalentgapSettings | None = None,
    selection: dg.AssetSelection | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise every asset (or `selection`, with its checks) into a warehouse of the test's own, as
    `dagster asset materialize` would."""
    settings = settings or TalentgapSettings(source=source, data_dir=str(data_dir or ""), warehouse=str(warehouse))
    return dg.materialize(
        [*all_assets, *all_checks],
        resources={"settings": settings, "duckdb": duckdb_resource(str(warehouse), settings.source)},
        selection=selection,
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
    with duckdb.connect(str(real_run[0]), read_only=True) as conn:
        return model_data(read_tables(conn, GAP_INPUT_TABLES))
