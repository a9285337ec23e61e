import polars as pl
import pytest

from sources.base import SourceError
from sources.cbs import CbsSource
from sources.files import FilesSource
from sources.registry import get_table
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
    with pytest.raises(SourceError, match="did not answer after 2 attempts"):
        CbsSource("http://127.0.0.1:9", attempts=2, backoff_s=0, timeout_s=2).fetch(SPEC)
