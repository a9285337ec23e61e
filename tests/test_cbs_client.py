import time

import httpx
import polars as pl
import pytest

from sources.base import SourceError
from sources.cbs import DEFAULT_CBS_URL, CbsSource, refused_url
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


@pytest.mark.parametrize(
    "url",
    [
        DEFAULT_CBS_URL,
        "https://datasets.cbs.nl/odata/v1/CBS",
        "https://odata4.cbs.nl/CBS",
        "https://dataderden.cbs.nl/ODataApi/odata",
        "http://127.0.0.1:8080/odata",
        "http://localhost/odata",
    ],
)
def test_https_to_cbs_and_a_server_on_this_machine_are_allowed(url):
    assert refused_url(url) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data", "plain http is allowed only to 127.0.0.1 or localhost"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is not a CBS host"),
        ("http://opendata.cbs.nl/ODataApi/odata", "plain http is allowed only to 127.0.0.1 or localhost"),
        ("https://opendata.cbs.nl.example.org/ODataApi/odata", "opendata.cbs.nl.example.org is not a CBS host"),
        ("https://opendata.cbs.nl@example.org/ODataApi/odata", "example.org is not a CBS host"),
        ("file:///etc/passwd", "it is not an https URL"),
        ("opendata.cbs.nl/ODataApi/odata", "it is not an https URL"),
    ],
)
def test_other_hosts_and_plain_http_beyond_this_machine_are_refused_before_connecting(url, why):
    assert why in refused_url(url)
    with pytest.raises(SourceError, match=f"the CBS URL '{url}' is refused"):
        CbsSource(url)


def _recording_client(hosts: list[str]) -> httpx.Client:
    """A client that notes every host it connects to; it would follow redirects itself, were it allowed to."""

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            hosts.append(request.url.host)
            return super().handle_request(request)

    return httpx.Client(transport=Recording(), follow_redirects=True, timeout=5)


def test_a_redirect_to_a_metadata_address_is_refused_without_connecting_there(serve):
    fake, url = serve(redirect_to="http://169.254.169.254/latest/meta-data")
    hosts: list[str] = []
    message = (
        "table 80472ned: CBS at .*/80472ned/TableInfos redirected to "
        "http://169.254.169.254/latest/meta-data/80472ned/TableInfos, which the client refuses: plain http"
    )
    with pytest.raises(SourceError, match=message):
        CbsSource(url, backoff_s=0, client=_recording_client(hosts)).fetch(SPEC)
    assert hosts == ["127.0.0.1"] and len(fake.requests) == 1  # refused, not retried, never sent


def test_a_next_page_link_to_another_host_is_refused_without_connecting_there(serve):
    _, url = serve(page_limit=1000, next_link_root="https://169.254.169.254")
    hosts: list[str] = []
    message = "table 80472ned: CBS's link to the next page is https://169.254.169.254/80472ned/TypedDataSet"
    with pytest.raises(SourceError, match=f"{message}.*169.254.169.254 is not a CBS host"):
        CbsSource(url, backoff_s=0, client=_recording_client(hosts)).fetch(SPEC)
    assert set(hosts) == {"127.0.0.1"}


def test_a_redirect_to_an_allowed_location_is_followed_and_a_loop_is_cut_short(serve):
    fake, url = serve(page_limit=4000)
    fake.redirect_to = f"{url}/moved"
    raw = CbsSource(url, backoff_s=0).fetch(SPEC)
    assert raw.rows_received == 7540 and any(r.startswith("/moved/") for r in fake.requests)

    fake.redirect_to, fake.requests[:] = url, []  # every answer redirects to itself
    with pytest.raises(SourceError, match="table 80472ned: CBS redirected more than 3 times"):
        CbsSource(url, backoff_s=0).fetch(SPEC)
    assert len(fake.requests) == 4
