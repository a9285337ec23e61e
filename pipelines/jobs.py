"""Jobs: what a run materialises."""

import dagster as dg

materialize_everything = dg.define_asset_job(
    "materialize_everything",
    selection=dg.AssetSelection.all(),
    description="Load every registered CBS table, rebuild staging and marts, forecast, compute and publish the gaps.",
    # Dagster uses a job's own logger only when the run's config names it (pipelines/console.py)
    config={"loggers": {"console": {}}},
)
