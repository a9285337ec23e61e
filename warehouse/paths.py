"""Where a warehouse's outputs live, worked out in one place: beside the DuckDB file, so every warehouse (real, demo,
each demo scale, a test's own) keeps its releases, analysts' copy and reports apart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WarehousePaths:
    database: Path

    @classmethod
    def of(cls, database: str | Path) -> WarehousePaths:
        return cls(Path(database))

    @property
    def exports(self) -> Path:
        """One folder per release: CSV, Parquet, the workbook, the report and its charts."""
        return self.database.parent / "exports"

    @property
    def published_copy(self) -> Path:
        """The read-only copy of the publish schema analysts open while runs write the warehouse."""
        return self.database.parent / "published" / "talentgap.duckdb"

    def release_folder(self, release_id: str) -> Path:
        return self.exports / release_id

    def run_reports(self, run_id: str) -> Path:
        """The validation report of one run."""
        return self.database.parent / "reports" / run_id
