"""The `files` source: a folder of CBS StatLine CSV exports.

Two forms are read: the key form of the CBS OData export (`2019KW01`, `T001081`, quoted, space-padded, `.` for
missing) and the label form that `cbsodata` writes (`2019 1e kwartaal`, `A-U Alle economische activiteiten`, empty
for missing). Both arrive as labels, so later layers see one shape.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from sources.base import RawTable, SourceError, content_hash
from sources.periods import PeriodError, parse_period
from sources.registry import PERIOD_DIMENSION, TableSpec


def read_csv_rows(path: Path, table_id: str) -> list[list[str]]:
    """Read a CBS CSV export into stripped rows (header first), naming the table in every error."""
    data = path.read_bytes()
    if not data.strip():
        raise SourceError(f"table {table_id}: file {path} is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(
            f"table {table_id}: file {path} is not UTF-8 (byte {error.start}, line {line}); "
            "CBS exports are UTF-8, re-export or convert the file"
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    return [[field.strip() for field in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]


def read_key_labels(path: Path, table_id: str) -> dict[str, str]:
    """A `Key,Title` list as CBS metadata gives it, for turning dimension keys into labels."""
    rows = read_csv_rows(path, table_id)
    header = rows[0]
    if header[:2] != ["Key", "Title"]:
        raise SourceError(f"table {table_id}: key list {path} must start with columns Key,Title, found {header[:2]}")
    return {row[0]: row[1] for row in rows[1:]}


def is_key_form(periods: list[str]) -> bool:
    """Key-form exports code periods like `2019KW01`; label-form exports write `2019 1e kwartaal`."""
    sample = next((p for p in periods if p), "")
    return len(sample) == 8 and sample[:4].isdigit() and sample[4:6].isalpha()


def rows_to_frame(spec: TableSpec, rows: list[list[str]], where: str) -> pl.DataFrame:
    """Check the header against the registry and keep the registered columns, as text."""
    header, body = rows[0], rows[1:]
    wanted = list(spec.columns)
    missing = [column for column in wanted if column not in header]
    if missing:
        raise SourceError(
            f"table {spec.table_id}: {where} lacks column(s) {', '.join(missing)}; it has {', '.join(header)}"
        )
    positions = [header.index(column) for column in wanted]
    for line_number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise SourceError(
                f"table {spec.table_id}: {where} row {line_number} has {len(row)} fields, the header has {len(header)}"
            )
    columns = {column: [row[i] for row in body] for column, i in zip(wanted, positions, strict=True)}
    columns["source_row"] = list(range(2, len(body) + 2))
    return pl.DataFrame(columns, schema={**dict.fromkeys(wanted, pl.String), "source_row": pl.Int64})


def keys_to_labels(spec: TableSpec, frame: pl.DataFrame, key_labels: dict[str, str], where: str) -> pl.DataFrame:
    """Turn key-form dimension values into CBS labels; an unknown key is an error naming its row."""
    for dimension in spec.dimensions:
        unknown = frame.filter(~pl.col(dimension).is_in(list(key_labels)))
        if unknown.height:
            first = unknown.row(0, named=True)
            raise SourceError(
                f"table {spec.table_id}: {where} column {dimension} row {first['source_row']} has key "
                f"{first[dimension]!r}, which the key list does not name ({unknown.height} rows like it)"
            )
    return frame.with_columns(pl.col(d).replace_strict(key_labels) for d in spec.dimensions)


class FilesSource:
    """Reads the registered tables from a folder of CBS CSV exports."""

    kind = "files"

    def __init__(self, data_dir: Path) -> None:
        if not data_dir.is_dir():
            raise SourceError(
                f"TALENTGAP_DATA_DIR {data_dir} is not a folder; point it at the CBS exports "
                "(e.g. ../shared/data/real) or set TALENTGAP_SOURCE=demo for synthetic data"
            )
        self.data_dir = data_dir

    def fetch(self, spec: TableSpec) -> RawTable:
        path = self.data_dir / spec.export_file
        if not path.is_file():
            raise SourceError(f"table {spec.table_id}: export {path} does not exist")
        rows = read_csv_rows(path, spec.table_id)
        frame = rows_to_frame(spec, rows, str(path))
        if is_key_form(frame[PERIOD_DIMENSION].to_list()):
            if spec.key_labels_file is None:
                raise SourceError(f"table {spec.table_id}: {path} is a key-form export but no key list is registered")
            labels = spec.key_labels | read_key_labels(self.data_dir / spec.key_labels_file, spec.table_id)
            frame = keys_to_labels(spec, frame, labels, str(path))
        check_periods(spec, frame, str(path))
        columns = tuple(column for column in rows[0] if column != "ID")
        return RawTable(
            table_id=spec.table_id,
            frame=frame,
            data_source=self.kind,
            location=str(path.resolve()),
            retrieved_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
            table_modified=None,  # a bare export does not say when CBS last changed the table
            rows_expected=None,
            content_hash=content_hash(spec, frame, columns),
            period_status={},
            columns_received=columns,
        )


def check_periods(spec: TableSpec, frame: pl.DataFrame, where: str) -> None:
    """Fail on the first period that is not a CBS period, naming its row."""
    for period, row in zip(frame[PERIOD_DIMENSION], frame["source_row"], strict=True):
        try:
            parse_period(period.rstrip("*"))
        except PeriodError as error:
            raise SourceError(f"table {spec.table_id}: {where} column {PERIOD_DIMENSION} row {row}: {error}") from None
