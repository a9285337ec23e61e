"""A readable validation report per run: one Markdown section per layer and an HTML page over all of them."""

from __future__ import annotations

import html
from pathlib import Path

from quality.gx import Outcome


def write_section(directory: Path, layer: str, outcomes: list[tuple[str, Outcome]]) -> Path:
    """Write `<layer>.md` for one layer's (asset, outcome) pairs and rebuild `report.html`; return the HTML path."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# {layer}",
        "",
        "| asset | check | severity | result | observed | unexpected (sample) |",
        "|---|---|---|---|---|---|",
    ]
    for asset, o in outcomes:
        result = "passed" if o.success else "**FAILED**"
        sample = f"{o.unexpected_count}: {o.unexpected_sample[:5]}" if o.unexpected_count else ""
        lines.append(
            f"| {asset} | {o.check}: {o.description} | {'blocking' if o.blocking else 'warning'} | {result} "
            f"| {_cell(o.observed)} | {_cell(sample)} |"
        )
    (directory / f"{layer}.md").write_text("\n".join(lines) + "\n")
    return _write_html(directory)


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")[:300]


def _write_html(directory: Path) -> Path:
    sections = []
    for path in sorted(directory.glob("*.md")):
        rows = [line.strip("|").split(" | ") for line in path.read_text().splitlines()[4:] if line.startswith("|")]
        body = "".join(
            "<tr class='{}'>{}</tr>".format(
                "fail" if "FAILED" in row[3] else "ok", "".join(f"<td>{html.escape(c.strip())}</td>" for c in row)
            )
            for row in rows
        )
        sections.append(
            f"<h2>{html.escape(path.stem)}</h2><table><tr><th>asset</th><th>check</th><th>severity</th>"
            f"<th>result</th><th>observed</th><th>unexpected (sample)</th></tr>{body}</table>"
        )
    page = directory / "report.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>talentgap validation</title><style>"
        "body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px;font-size:13px;vertical-align:top}"
        "table{border-collapse:collapse}tr.fail{background:#fdd}tr.ok{background:#efe}</style>"
        f"<h1>talentgap validation report: run {html.escape(directory.name)}</h1>" + "".join(sections)
    )
    return page
