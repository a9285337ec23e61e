import time

import polars as pl
import pytest

from sources.base import SourceError
from sources.cbs import CbsSource
from sources.files import FilesSource, read_key_labels
from sources.registry import REGION_KEYS, get_table
from tests.fake_cbs import FakeCbs, FakeTable

SPEC = get_table("80472ned")


@pytest.fixture(scope="module")
def table(real_data) -> FakeTable:
    return FakeTable.from_export(SPEC, real_data)


@pytest.fixture
def serve(table):
    servers = []

    def start(**options) -> tuple[FakeCbs, str]:
        fake = FakeCbs({SPEC.table_id: table}, **options)
        server, url = fake.start()
        servers.append(server)
        return fake, url

    yield start
    for server in servers:
        server.shutdown()


def test_the_client_follows_next_links_and_brings_every_row_with_labels(serve, real_data):
    fake, url = serve(page_limit=1000)
    raw = CbsSource(url, backoff_s=0).fetch(SPEC)
    pages = [r for r in fake.requests if "TypedDataSet?" in r or r.endswith("TypedDataSet")]
    assert raw.rows_received == raw.rows_expected == 7540
    assert len(pages) == 8  # 7 540 rows at most 1 000 a page
    exported = FilesSource(real_data).fetch(SPEC).frame
    assert raw.frame["Bedrijfskenmerken"].to_list() == exported["Bedrijfskenmerken"].to_list()
    assert raw.frame["Perioden"].to_list() == exported["Perioden"].to_list()
    assert raw.table_modified is not None and raw.table_modified.year == 2023
    assert set(raw.period_status.values()) == {"definitive"}


def test_without_next_links_the_client_pages_with_skip(serve):
    _, url = serve(page_limit=3000, next_links=False)
    raw = CbsSource(url, backoff_s=0).fetch(SPEC)
    assert raw.rows_received == 7540
    assert raw.frame.filter(pl.col("Perioden") == "1997 1e kwartaal")["OpenstaandeVacatures_1"][0] == "89.8"


def test_transient_errors_are_retried(serve):
    fake, url = serve(page_limit=5000, failures=[503, 502])
    assert CbsSource(url, backoff_s=0).fetch(SPEC).rows_received == 7540
    assert not fake.failures


def test_a_table_shorter_than_its_count_is_refused(serve):
    _, url = serve(count_offset=5)
    with pytest.raises(SourceError, match="80472ned: CBS said 7545 rows, 7540 arrived"):
        CbsSource(url, backoff_s=0).fetch(SPEC)


def test_an_unreachable_service_fails_with_a_clear_message():
    with pytest.raises(SourceError, match="gave no usable answer after 2 attempts"):
        CbsSource("http://127.0.0.1:9", attempts=2, backoff_s=0, timeout_s=2).fetch(SPEC)


REGIONAL = get_table("83599NED")


@pytest.fixture(scope="module")
def regional(real_data) -> FakeTable:
    sectors = read_key_labels(real_data / "cbs_biancab97/80472ned/sectoren_metadata.csv", "83599NED")
    return FakeTable.from_key_export(
        REGIONAL, real_data / REGIONAL.export_file, {"BedrijfstakkenBranchesSBI2008": sectors, "RegioS": REGION_KEYS}
    )


def test_a_table_larger_than_one_page_arrives_whole_at_the_real_page_limit(regional):
    fake = FakeCbs({"83599NED": regional})
    server, url = fake.start()
    try:
        raw = CbsSource(url, backoff_s=0).fetch(REGIONAL)
    finally:
        server.shutdown()
    assert raw.rows_received == raw.rows_expected == 19_584
    assert sum("TypedDataSet" in r and "$count" not in r for r in fake.requests) == 2
    assert raw.frame["RegioS"].unique().len() == 17
    national = raw.frame.filter(pl.col("RegioS") == "Nederland", pl.col("Perioden") == "2011 1e kwartaal")
    assert national.filter(pl.col("BedrijfstakkenBranchesSBI2008") == "A-U Alle economische activiteiten")[
        "OpenstaandeVacatures_1"
    ].to_list() == ["135.5"]


def test_slow_pages_within_the_timeout_arrive_and_beyond_it_fail_clearly(serve):
    _, url = serve(page_limit=4000, delay_s=0.2)
    assert CbsSource(url, backoff_s=0, timeout_s=5).fetch(SPEC).rows_received == 7540
    _, url = serve(page_limit=4000, delay_s=1.5)
    with pytest.raises(SourceError, match=r"TypedDataSet gave no usable answer after 2 attempts \(last: ReadTimeout"):
        CbsSource(url, backoff_s=0, timeout_s=0.5, attempts=2).fetch(SPEC)


def test_a_server_that_trickles_bytes_is_given_up_on_within_the_tables_deadline(serve):
    _, url = serve(page_limit=4000, trickle_s=0.05)  # a byte now and then: no read ever times out
    started = time.monotonic()
    with pytest.raises(SourceError, match="table 80472ned: CBS did not deliver the table within its deadline of 2 s"):
        CbsSource(url, backoff_s=0, timeout_s=1, deadline_s=2).fetch(SPEC)
    assert time.monotonic() - started < 5


def test_a_malformed_page_is_fetched_again_and_a_lasting_one_is_refused(serve):
    _, url = serve(page_limit=4000, malformed_pages=1)
    assert CbsSource(url, backoff_s=0).fetch(SPEC).rows_received == 7540
    _, url = serve(page_limit=4000, malformed_pages=10)
    with pytest.raises(SourceError, match="after 3 attempts \\(last: a malformed answer"):
        CbsSource(url, backoff_s=0, attempts=3).fetch(SPEC)


def test_an_unknown_table_is_a_clear_error(serve):
    _, url = serve()
    with pytest.raises(SourceError, match="HTTP 404; check the table id"):
        CbsSource(url, backoff_s=0).fetch(get_table("85920NED"))
