"""The `cbs` source: the live CBS StatLine OData v3 service.

A table lives at `{root}/{table}/`: `TableInfos` (title, Modified), `DataProperties` (measures and dimensions), one
endpoint per dimension (keys, titles, and for Perioden the status) and `TypedDataSet` (the data). A response holds at
most 10,000 rows, so the client follows `odata.nextLink` (or pages with `$skip`) until the `$count` is reached, and it
refuses a table that came back shorter than CBS said it was. Each table has an overall deadline: a server that
trickles bytes (never tripping a read timeout) or keeps failing is given up on within it, naming the table.

The client connects only to https on CBS's hosts, or to a server on this machine (the tests' fake CBS): the root URL,
every next-page link and every redirect pass the same check before a connection is made, so neither a setting nor an
answer can send it to another host (a cloud metadata address, an internal service) or over plain http.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import httpx
import polars as pl

from sources.base import CBS_PAGE_LIMIT, RawTable, SourceError, content_hash
from sources.registry import PERIOD_DIMENSION, TableSpec

T = TypeVar("T")
DEFAULT_CBS_URL = "https://opendata.cbs.nl/ODataApi/odata"
DEFAULT_DEADLINE_S = 600.0  # a whole table, metadata and every page: the largest takes seconds from CBS
# CBS's OData services: StatLine v3 (opendata), third parties' tables (dataderden), v4 (odata4, datasets)
CBS_HOSTS = ("opendata.cbs.nl", "dataderden.cbs.nl", "odata4.cbs.nl", "datasets.cbs.nl")
# a server on this machine, for the tests' fake CBS: plain http is allowed only here, where nothing crosses a network
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# CBS may move a service between its own hosts, so a redirect is followed, but only to a location that passes the
# same check as the configured URL: an answer never chooses where the client connects. A few hops are plenty.
MAX_REDIRECTS = 3
_STATUS = {"Definitief": "definitive", "Voorlopig": "provisional", "Nader voorlopig": "provisional"}


def refused_url(url: str) -> str | None:
    """Why the client will not connect to `url`, or None when it may: https to a CBS host, http(s) to this machine."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        return f"it is not a URL ({error})"
    if parsed.scheme not in ("http", "https"):
        return "it is not an https URL"
    if parsed.host in LOCAL_HOSTS:
        return None
    if parsed.scheme != "https":
        return f"plain http is allowed only to {' or '.join(LOCAL_HOSTS)} (a test server); CBS is reached over https"
    if parsed.host not in CBS_HOSTS:
        return f"{parsed.host or 'no host'} is not a CBS host ({', '.join(CBS_HOSTS)})"
    return None


class CbsSource:
    kind = "cbs"

    def __init__(
        self,
        base_url: str = DEFAULT_CBS_URL,
        *,
        timeout_s: float = 30.0,
        attempts: int = 4,
        backoff_s: float = 0.5,
        deadline_s: float = DEFAULT_DEADLINE_S,
        client: httpx.Client | None = None,
    ) -> None:
        why = refused_url(base_url)
        if why:
            raise SourceError(f"the CBS URL {base_url!r} is refused: {why}")
        self.base_url = base_url.rstrip("/")
        self.attempts, self.backoff_s, self.deadline_s = attempts, backoff_s, deadline_s
        self.client = client or httpx.Client(timeout=httpx.Timeout(timeout_s))
        self._deadline = time.monotonic() + deadline_s
        self._table = ""

    def _get_within_deadline(self, url: str, params: dict[str, str] | None) -> httpx.Response:
        """The whole answer, read as it streams in, so that slow bytes count against the table's deadline.

        Redirects are followed here, never by httpx (even a client given with follow_redirects=True), so that each
        location is checked before it is connected to."""
        for _ in range(MAX_REDIRECTS + 1):
            with self.client.stream("GET", url, params=params, follow_redirects=False) as response:
                if response.next_request is not None:
                    location = str(response.next_request.url)
                    self._check_location(location, f"CBS at {url} redirected to")
                    url, params = location, None  # the location carries its own query
                    continue
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    self._check_deadline(url)
                return httpx.Response(response.status_code, headers=response.headers, content=bytes(body))
        raise SourceError(f"table {self._table}: CBS redirected more than {MAX_REDIRECTS} times (last to {url})")

    def _check_location(self, location: str, how: str) -> None:
        why = refused_url(location)
        if why:
            raise SourceError(f"table {self._table}: {how} {location}, which the client refuses: {why}")

    def _check_deadline(self, url: str) -> None:
        if time.monotonic() > self._deadline:
            raise SourceError(
                f"table {self._table}: CBS did not deliver the table within its deadline of {self.deadline_s:.0f} s "
                f"(at {url}); the server is too slow or stuck. Try again later, or raise TALENTGAP_CBS_DEADLINE"
            )

    def _request(self, url: str, params: dict[str, str] | None, parse: Callable[[httpx.Response], T]) -> T:
        """GET and parse, retrying transport errors, timeouts, 5xx answers and malformed bodies with backoff."""
        last_error = ""
        for attempt in range(self.attempts):
            self._check_deadline(url)
            try:
                response = self._get_within_deadline(url, params)
            except httpx.TransportError as error:  # includes timeouts
                last_error = f"{type(error).__name__}: {error}"
            else:
                if 400 <= response.status_code < 500:
                    raise SourceError(
                        f"CBS answered {url} with HTTP {response.status_code}; check the table id and URL"
                    )
                if response.status_code >= 500:
                    last_error = f"HTTP {response.status_code}"
                else:
                    try:
                        return parse(response)
                    except ValueError as error:
                        last_error = f"a malformed answer ({error})"
            if attempt + 1 < self.attempts:
                time.sleep(min(self.backoff_s * 2**attempt, max(self._deadline - time.monotonic(), 0)))
        raise SourceError(f"CBS at {url} gave no usable answer after {self.attempts} attempts (last: {last_error})")

    def _get(self, url: str, params: dict[str, str] | None = None) -> dict:
        return self._request(url, params, lambda response: response.json())

    def _values(self, url: str, params: dict[str, str] | None = None) -> list[dict]:
        document = self._get(url, params)
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            raise SourceError(f"CBS answered {url} without a 'value' list")
        return document["value"]

    def table_modified(self, table_id: str) -> datetime | None:
        self._table = table_id
        infos = self._values(f"{self.base_url}/{table_id}/TableInfos")
        modified = infos[0].get("Modified") if infos else None
        return datetime.fromisoformat(modified).replace(tzinfo=UTC) if modified else None

    def table_infos(self, table_id: str, modified: datetime | None) -> str:
        """What RawTable.table_infos records for a table read live: its TableInfos, and the date they give."""
        found = {"source": f"{self.base_url}/{table_id}/TableInfos", "modified": modified and modified.isoformat()}
        return json.dumps(found | ({"used": True} if modified else {"used": False, "why_not": "no Modified date"}))

    def fetch(self, spec: TableSpec) -> RawTable:
        self._deadline, self._table = time.monotonic() + self.deadline_s, spec.table_id
        root = f"{self.base_url}/{spec.table_id}"
        modified = self.table_modified(spec.table_id)
        properties = [p["Key"] for p in self._values(f"{root}/DataProperties") if p.get("Key")]
        wanted = list(spec.columns)
        missing = [key for key in wanted if key not in properties]
        if missing:
            raise SourceError(f"table {spec.table_id}: CBS DataProperties lack {', '.join(missing)}")
        labels, period_status = {}, {}
        for dimension in (*spec.dimensions, PERIOD_DIMENSION):
            entries = self._values(f"{root}/{dimension}")
            labels[dimension] = {e["Key"]: e["Title"].strip() for e in entries}
            if dimension == PERIOD_DIMENSION:
                period_status = {e["Title"].strip(): _STATUS.get(e.get("Status", ""), "unknown") for e in entries}
        expected = self._count(root)
        records = self._all_rows(root, expected)
        if len(records) != expected:
            raise SourceError(f"table {spec.table_id}: CBS said {expected} rows, {len(records)} arrived")
        columns: dict[str, list[str]] = {}
        for column in wanted:
            values = [r.get(column) for r in records]
            if column in labels:
                unknown = next((v for v in values if v.strip() not in labels[column]), None) if values else None
                if unknown is not None:
                    raise SourceError(f"table {spec.table_id}: column {column} has key {unknown!r} not in /{column}")
                columns[column] = [labels[column][v.strip()] for v in values]
            else:
                columns[column] = ["" if v is None else str(v) for v in values]
        frame = pl.DataFrame(columns, schema=dict.fromkeys(wanted, pl.String)).with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("source_row")
        )
        return RawTable(
            table_id=spec.table_id,
            frame=frame,
            data_source=self.kind,
            location=f"{root}/TypedDataSet",
            retrieved_at=datetime.now(UTC),
            table_modified=modified,
            rows_expected=expected,
            content_hash=content_hash(spec, frame, tuple(properties)),
            period_status=period_status,
            columns_received=tuple(properties),
            table_infos=self.table_infos(spec.table_id, modified),
        )

    def _count(self, root: str) -> int:
        return self._request(f"{root}/TypedDataSet/$count", None, lambda response: int(response.text.strip()))

    def _all_rows(self, root: str, expected: int) -> list[dict]:
        """Follow odata.nextLink; without one, page with $skip/$top until `expected` rows are in."""
        rows: list[dict] = []
        url: str | None = f"{root}/TypedDataSet"
        params: dict[str, str] | None = {"$top": str(CBS_PAGE_LIMIT)}
        while url and len(rows) < expected:
            document = self._get(url, params)
            page = document.get("value") if isinstance(document, dict) else None
            if not isinstance(page, list):
                raise SourceError(f"CBS answered {url} without a 'value' list (after {len(rows)} rows)")
            if not page:
                break
            rows.extend(page)
            next_link = document.get("odata.nextLink")
            if next_link:
                self._check_location(next_link, "CBS's link to the next page is")
                url, params = next_link, None
            else:
                url, params = f"{root}/TypedDataSet", {"$skip": str(len(rows)), "$top": str(CBS_PAGE_LIMIT)}
        return rows
