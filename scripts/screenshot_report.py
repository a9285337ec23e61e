"""Look at a release report in a real browser: open it in headless Chromium, save a screenshot of each section and of
each chart (with a grey-scale copy of every image, to check the report survives a black-and-white printer), and print
it to PDF as a browser would.

    uv run python scripts/screenshot_report.py                      # the latest release in warehouse/exports
    uv run python scripts/screenshot_report.py path/to/report.html --out /tmp/shots

Drives the system's Chromium through Playwright (no browser download): install it once with
`apt-get install chromium` (Debian), or point CHROMIUM at another Chromium or Chrome. Writes into
`<export folder>/screenshots/` unless --out says otherwise, and prints each file with its size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

WIDTH, HEIGHT = 1280, 900


def chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    sys.exit("no Chromium found: install it (Debian: apt-get install chromium) or set CHROMIUM to its path")


def latest_report(exports: Path) -> Path:
    releases = sorted(p for p in exports.glob("r*") if (p / "report.html").exists())
    if not releases:
        sys.exit(f"no release report under {exports}: run the pipeline first (README, Quick start)")
    return releases[-1] / "report.html"


def shoot(report: Path, out: Path) -> list[Path]:
    """Screenshots of every section and chart, their grey-scale copies and a PDF; returns the files."""
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(report.as_uri(), wait_until="load")
        page.screenshot(path=out / "00_page_top.png")
        written.append(out / "00_page_top.png")
        for index, section in enumerate(page.locator("section").all(), start=1):
            path = out / f"{index:02d}_section_{section.get_attribute('id')}.png"
            section.screenshot(path=path)
            written.append(path)
        for figure in page.locator("figure.chart").all():
            path = out / f"chart_{figure.get_attribute('id').removeprefix('chart-')}.png"
            figure.screenshot(path=path)
            written.append(path)
        page.pdf(path=out / "report.pdf", format="A4", print_background=True)
        written.append(out / "report.pdf")
        browser.close()
    outside = [url for url in requests if not url.startswith(("file:", "data:"))]
    if outside:
        sys.exit(f"the report asked the network for {outside[:5]}: it must open offline")
    for path in [p for p in written if p.suffix == ".png"]:
        grey = path.with_name(path.stem + "_grijs.png")
        Image.open(path).convert("L").save(grey)
        written.append(grey)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", nargs="?", type=Path, help="report.html (default: the latest release's)")
    parser.add_argument("--out", type=Path, help="folder for the screenshots (default: beside the report)")
    args = parser.parse_args()
    report = (args.report or latest_report(Path("warehouse/exports"))).resolve()
    out = (args.out or report.parent / "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    files = shoot(report, out)
    for path in files:
        print(f"{path}  {path.stat().st_size / 1024:,.0f} KiB")
    print(f"{len(files)} files; the report itself: {report.stat().st_size / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
