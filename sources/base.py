"""What every source hands to the warehouse: one table as received, with its vintage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import polars as pl

from sources.registry import TableSpec

SOURCE_KINDS = ("cbs", "files", "demo")
CBS_PAGE_LIMIT = 10_000  # CBS OData answers at most this many rows per response


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

    @property
    def truncation_suspected(self) -> bool:
        """Exactly one CBS page of rows, or fewer rows than the source announced: likely cut off."""
        short = self.rows_expected is not None and self.rows_received < self.rows_expected
        return short or self.rows_received == CBS_PAGE_LIMIT

    @property
    def rows_received(self) -> int:
        return self.frame.height


class Source(Protocol):
    kind: str

    def fetch(self, spec: TableSpec) -> RawTable: ...


def content_hash(frame: pl.DataFrame, columns_received: tuple[str, ...]) -> str:
    """A hash of the table's content and shape, independent of where and when it was fetched."""
    digest = hashlib.sha256("\x1e".join(columns_received).encode())
    for column in frame.columns:
        if column == "source_row":
            continue
        digest.update(column.encode())
        digest.update("\x1f".join("" if v is None else v for v in frame[column].to_list()).encode())
    return digest.hexdigest()
