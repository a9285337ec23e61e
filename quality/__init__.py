"""Data quality: Great Expectations 1.x suites for every layer, free of Dagster."""
