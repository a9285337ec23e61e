"""A small CBS OData v3 server on 127.0.0.1 for tests, serving real exports in the CBS JSON shape."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from sources.files import FilesSource, read_csv_rows
from sources.periods import parse_period
from sources.registry import PERIOD_DIMENSION, TableSpec

_QUARTER_TITLES = {1: "1e kwartaal", 2: "2e kwartaal", 3: "3e kwartaal", 4: "4e kwartaal"}


def period_title(key: str) -> str:
    """The CBS label of a period key: `2011KW01` -> `2011 1e kwartaal`, `2011JJ00` -> `2011`."""
    if key[4:6] == "KW":
        return f"{key[:4]} {_QUARTER_TITLES[int(key[6:])]}"
    return key[:4]


def period_key(label: str) -> str:
    period = parse_period(label)
    if period.frequency == "Q":
        return f"{period.start.year}KW{(period.start.month + 2) // 3:02d}"
    if period.frequency == "M":
        return f"{period.start.year}MM{period.start.month:02d}"
    return f"{period.start.year}JJ00"


@dataclass
class FakeTable:
    """One table in key form: dimension endpoints map keys to the labels of the export."""

    spec: TableSpec
    rows: list[dict]
    dimensions: dict[str, list[dict]]
    modified: str = "2023-08-16T02:00:00"

    @classmethod
    def from_export(cls, spec: TableSpec, data_dir) -> FakeTable:
        frame = FilesSource(data_dir).fetch(spec).frame
        dimensions: dict[str, list[dict]] = {}
        keys: dict[str, dict[str, str]] = {}
        for dimension in (*spec.dimensions, PERIOD_DIMENSION):
            labels = list(dict.fromkeys(frame[dimension].to_list()))
            if dimension == PERIOD_DIMENSION:
                keys[dimension] = {label: period_key(label) for label in labels}
            else:
                keys[dimension] = {label: f"K{i:05d}" for i, label in enumerate(labels)}
            dimensions[dimension] = [
                {"Key": key, "Title": label, "Status": "Definitief"} for label, key in keys[dimension].items()
            ]
        rows = []
        for i, record in enumerate(frame.iter_rows(named=True)):
            row = {"ID": i}
            for dimension in (*spec.dimensions, PERIOD_DIMENSION):
                row[dimension] = keys[dimension][record[dimension]]
            for measure in spec.measures:
                text = record[measure.name].strip()
                row[measure.name] = float(text) if text not in ("", ".") else None
            rows.append(row)
        return cls(spec, rows, dimensions)

    @classmethod
    def from_key_export(cls, spec: TableSpec, path, titles: dict[str, dict[str, str]]) -> FakeTable:
        """A key-form CBS export as it is, with the dimension titles given (periods get their CBS labels)."""
        rows_in = read_csv_rows(path, spec.table_id)
        header = rows_in[0]
        rows = []
        for record in rows_in[1:]:
            row = dict(zip(header, record, strict=True))
            out = {"ID": int(row["ID"])}
            for dimension in (*spec.dimensions, PERIOD_DIMENSION):
                out[dimension] = row[dimension]
            for measure in spec.measures:
                out[measure.name] = None if row[measure.name] in ("", ".") else float(row[measure.name])
            rows.append(out)
        periods = dict.fromkeys(r[PERIOD_DIMENSION] for r in rows)
        dimensions = {d: [{"Key": k, "Title": t} for k, t in titles[d].items()] for d in spec.dimensions}
        dimensions[PERIOD_DIMENSION] = [{"Key": k, "Title": period_title(k), "Status": "Definitief"} for k in periods]
        return cls(spec, rows, dimensions)


@dataclass
class FakeCbs:
    tables: dict[str, FakeTable]
    page_limit: int = 10_000
    next_links: bool = True
    failures: list[int] = field(default_factory=list)  # HTTP statuses to answer the next data requests with
    count_offset: int = 0  # say the table has this many more rows than it has
    delay_s: float = 0.0  # wait this long before answering each data page
    malformed_pages: int = 0  # answer this many data requests with a cut-off JSON body
    trickle_s: float = (
        0.0  # send data pages a few bytes at a time, this long apart (never idle long enough to time out)
    )
    # answer every request with a 302 to this root plus the request's path; a path under /moved is served as the path
    # after it (so a redirect to `{url}/moved` arrives)
    redirect_to: str = ""
    next_link_root: str = ""  # the root of odata.nextLink, instead of this server's
    requests: list[str] = field(default_factory=list)
    modified: dict[str, str] = field(default_factory=dict)  # TableInfos Modified per table id, data or not

    def start(self) -> tuple[ThreadingHTTPServer, str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                if fake.redirect_to and not self.path.startswith("/moved/"):
                    return self._redirect(f"{fake.redirect_to}{self.path}")
                url = urlparse(self.path.removeprefix("/moved"))
                parts = url.path.strip("/").split("/")
                table = fake.tables.get(parts[0]) if parts else None
                if parts[1:] == ["TableInfos"] and parts[0] in fake.modified:
                    return self._send(200, {"value": [{"Identifier": parts[0], "Modified": fake.modified[parts[0]]}]})
                if table is None:
                    return self._send(404, {"error": "no such table"})
                endpoint = "/".join(parts[1:])
                if endpoint == "TableInfos":
                    return self._send(200, {"value": [{"Identifier": parts[0], "Modified": table.modified}]})
                if endpoint == "DataProperties":
                    keys = [*table.spec.dimensions, PERIOD_DIMENSION, *(m.name for m in table.spec.measures)]
                    return self._send(200, {"value": [{"Key": key} for key in keys]})
                if endpoint in table.dimensions:
                    return self._send(200, {"value": table.dimensions[endpoint]})
                if endpoint == "TypedDataSet/$count":
                    return self._send_text(str(len(table.rows) + fake.count_offset))
                if endpoint == "TypedDataSet":
                    if fake.failures:
                        return self._send(fake.failures.pop(0), {"error": "transient"})
                    time.sleep(fake.delay_s)
                    if fake.malformed_pages:
                        fake.malformed_pages -= 1
                        return self._send_text('{"value": [{"ID": 0, "Perioden": ')
                    query = parse_qs(url.query)
                    skip = int(query.get("$skip", ["0"])[0])
                    top = min(int(query.get("$top", [str(fake.page_limit)])[0]), fake.page_limit)
                    page = table.rows[skip : skip + top]
                    body: dict = {"value": page}
                    if fake.next_links and skip + top < len(table.rows):
                        root = fake.next_link_root or f"http://{self.headers['Host']}"
                        body["odata.nextLink"] = f"{root}{url.path}?{urlencode({'$skip': skip + top})}"
                    return self._send(200, body, trickle_s=fake.trickle_s)
                return self._send(404, {"error": f"unknown endpoint {endpoint}"})

            def _send(self, status: int, body: dict, trickle_s: float = 0.0) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not trickle_s:
                    self.wfile.write(data)
                    return
                for start in range(0, len(data), 16):
                    try:
                        self.wfile.write(data[start : start + 16])
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        return  # the client gave up, as it should
                    time.sleep(trickle_s)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _send_text(self, text: str) -> None:
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}"
