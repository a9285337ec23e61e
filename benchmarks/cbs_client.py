"""How long the live CBS client takes to bring a table larger than one page, through the fake OData server.

Run: uv run python benchmarks/cbs_client.py [data_dir]   (default ../shared/data/real)
Serves the real 83599NED regional vacancies export (19,584 rows) at the CBS page limit of 10,000 rows.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sources.cbs import CbsSource  # noqa: E402
from sources.files import read_key_labels  # noqa: E402
from tests.fake_cbs import FakeCbs, FakeTable  # noqa: E402
from tests.test_cbs_client import REGIONAL, REGIONS  # noqa: E402


def main(data_dir: Path) -> None:
    sectors = read_key_labels(data_dir / "cbs_biancab97/80472ned/sectoren_metadata.csv", "83599NED")
    table = FakeTable.from_key_export(
        REGIONAL, data_dir / REGIONAL.export_file, {"BedrijfstakkenBranchesSBI2008": sectors, "RegioS": REGIONS}
    )
    for label, options in (("plain", {}), ("slow pages (0.2 s) and one 503", {"delay_s": 0.2, "failures": [503]})):
        fake = FakeCbs({"83599NED": table}, **options)
        server, url = fake.start()
        try:
            started = time.perf_counter()
            raw = CbsSource(url, backoff_s=0.1).fetch(REGIONAL)
            seconds = time.perf_counter() - started
        finally:
            server.shutdown()
        pages = sum("TypedDataSet" in r and "$count" not in r for r in fake.requests)
        print(
            f"{label:32s} rows {raw.rows_received:>6} of {raw.rows_expected}  data requests {pages}  "
            f"all requests {len(fake.requests)}  {seconds:.2f} s"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/real"))
