"""Run Great Expectations 1.x expectations on a Polars frame and return plain outcomes.

GX takes seconds to import, so it is imported inside `validate`, once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import polars as pl

# Severity, decided once (reasons in docs/quality.md): every check blocks publication except these, which warn.
WARNING_ONLY = frozenset(
    {"no_internal_gaps", "sectors_add_up_to_total", "year_on_year_jumps", "labour_supply_within_population"}
)


@dataclass(frozen=True)
class Expectation:
    """One named expectation: the GX class name and its arguments."""

    check: str  # the Dagster asset check name
    description: str
    gx_type: str  # e.g. "ExpectColumnValuesToBeUnique"
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.check not in WARNING_ONLY


@dataclass(frozen=True)
class Suite:
    """A frame and the expectations it must meet; `id_columns` name failing rows in the results."""

    name: str
    frame: pl.DataFrame
    expectations: list[Expectation]
    id_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    check: str
    description: str
    blocking: bool
    success: bool
    observed: str
    unexpected_count: int
    unexpected_sample: list[Any]

    @property
    def summary(self) -> str:
        state = "passed" if self.success else ("FAILED (blocking)" if self.blocking else "failed (warning)")
        detail = f"; {self.unexpected_count} unexpected, e.g. {self.unexpected_sample[:5]}" if not self.success else ""
        return f"{self.check}: {state}; observed {self.observed}{detail}"


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(suite: Suite) -> list[Outcome]:
    """Validate the suite's frame against its expectations as one GX suite; one outcome per expectation, in order."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context = _context()
    source = context.data_sources.add_or_update_pandas(f"talentgap_{suite.name}")
    asset = source.add_dataframe_asset(f"{suite.name}_{len(source.assets)}")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": suite.frame.to_pandas()}
    )
    gx_suite = gx.ExpectationSuite(
        name=f"{suite.name}_{id(suite.frame)}",
        expectations=[getattr(gxe, e.gx_type)(**e.kwargs, meta={"check": e.check}) for e in suite.expectations],
    )
    result_format: dict[str, Any] = {"result_format": "COMPLETE", "partial_unexpected_count": 20}
    if suite.id_columns:
        result_format["unexpected_index_column_names"] = list(suite.id_columns)
    result = batch.validate(gx_suite, result_format=result_format)
    by_check = {item.expectation_config.meta["check"]: item for item in result.results}
    outcomes = []
    for expectation in suite.expectations:
        item = by_check[expectation.check]
        details = item.result or {}
        error = (item.exception_info or {}).get("exception_message") if not item.success else None
        # with id columns GX names each failing row; without, the failing values say enough
        sample = details.get("partial_unexpected_index_list" if suite.id_columns else "partial_unexpected_list") or []
        outcomes.append(
            Outcome(
                check=expectation.check,
                description=expectation.description,
                blocking=expectation.blocking,
                success=bool(item.success),
                observed=str(
                    error or details.get("observed_value", f"{details.get('unexpected_count', 0)} unexpected")
                ),
                unexpected_count=int(details.get("unexpected_count") or 0),
                unexpected_sample=[_plain(v) for v in sample],
            )
        )
    return outcomes


def _plain(value: Any) -> Any:
    """Values as JSON-friendly numbers and text for Dagster metadata and the report."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar from GX's pandas copy
        value = value.item()
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value) if isinstance(value, float) else int(value)
    return str(value)
