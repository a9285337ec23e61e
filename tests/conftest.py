from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import all_assets, all_checks
from pipelines.resources import TalentgapSettings, duckdb_resource

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
