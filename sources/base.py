"""What every source hands to the warehouse: one table as received, with its vintage."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import polars as pl

from sources.periods import coverage
from sources.registry import PERIOD_DIMENSION, TableSpec

SOURCE_KINDS = ("cbs", "files", "demo")
CBS_PAGE_LIMIT = 10_000  # CBS OData answers at most this many rows per response
# a finite number once spaces are gone (the OData client writes JSON numbers with str, so exponents can occur):
# never "NaN" or "inf", which Python's float() would take
CBS_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


class SourceError(ValueError):
    """Input that cannot be loaded as it is; the message names the table, column and row."""


@dataclass(frozen=True)
class RawTable:
    """One CBS table as a source delivered it.

    `frame` holds the dimension labels, `Perioden` and the registered measures as stripped text, plus `source_row`
    (the line or record number in what was received), so that later errors can point at the row.
    """

    table_id: str
    frame: pl.DataFrame
    data_source: str
    location: str
    retrieved_at: datetime
    table_modified: datetime | None
    rows_expected: int | None
    content_hash: str
    period_status: dict[str, str]  # period label -> provisional | definitive, where the source says
    columns_received: tuple[str, ...]  # every column the source sent, registered or not: for schema drift
    # where table_modified was looked for, as JSON: {"source": the TableInfos URL or the metadata file, "modified":
    # the date it gives, "used": whether it is taken for this content, "why_not": if not}; None: nowhere to look
    table_infos: str | None = None

    @property
    def truncation_suspected(self) -> bool:
        """Exactly one CBS page of rows, or fewer rows than the source announced: likely cut off."""
        short = self.rows_expected is not None and self.rows_received < self.rows_expected
        return short or self.rows_received == CBS_PAGE_LIMIT

    @property
    def rows_received(self) -> int:
        return self.frame.height

    @property
    def periods(self) -> tuple[str, str] | None:
        """The first and last period of the rows, as CBS labels them (`1997 1e kwartaal`, `2022 4e kwartaal`)."""
        return coverage(self.frame[PERIOD_DIMENSION].to_list())


class Source(Protocol):
    kind: str

    def fetch(self, spec: TableSpec) -> RawTable: ...


def content_hash(spec: TableSpec, frame: pl.DataFrame, columns_received: tuple[str, ...]) -> str:
    """A hash of the table's values and shape, independent of where and when it was fetched and of how the values
    were written: rows in the order of their keys (dimension labels, period), every cell that is a number as that
    number (`89.80` is `89.8`, `1 234` is 1234), every other cell (CBS's symbols `.`, `x`, `-`, empty, or text
    staging will refuse) as its text. So a file reordered or reformatted is the same vintage, and any value that
    changes makes a new one."""
    keys = [*spec.dimensions, PERIOD_DIMENSION]
    parsed = frame.select(*keys, *(expression for m in spec.measures for expression in _number_or_text(m.name)))
    digest = hashlib.sha256("\x1e".join(columns_received).encode())
    for column, series in parsed.sort(parsed.columns, nulls_last=True).to_dict().items():
        digest.update(column.encode())
        if series.dtype == pl.Float64:  # the numbers' own bits: no formatting of floats to depend on
            digest.update(series.to_numpy().astype("<f8").tobytes())
        else:
            digest.update("\x1f".join("\x00" if v is None else v for v in series.to_list()).encode())
    return digest.hexdigest()


def _number_or_text(column: str) -> tuple[pl.Expr, pl.Expr]:
    """A measure's cells as two columns: the number where the cell is one (else NaN, which no CBS number is), and the
    stripped text where it is not (else null)."""
    text = pl.col(column).str.strip_chars()
    digits = text.str.replace_all(" ", "", literal=True)
    numeric = digits.str.contains(f"^(?:{CBS_NUMBER.pattern})$").fill_null(False)
    number = pl.when(numeric).then(digits.cast(pl.Float64, strict=False) + 0.0).otherwise(float("nan"))  # -0 is 0
    return number.alias(f"{column} number"), pl.when(~numeric).then(text).alias(f"{column} text")
