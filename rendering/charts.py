"""The release's charts, drawn with matplotlib: per group and skill, employment (history and forecast with its
interval fan), the gap to the end year with its intervals, and supply beside demand; and one overview of the end
year's gaps per skill.

Made to survive a black-and-white printer: one dark ink, forecasts dashed, intervals as grey bands of two depths, and
every line named in a legend. Text stays text in the SVG, so the letter's editors can restyle it.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

INK = "#1a1a1a"
SECOND = "#6e6e6e"
BAND_80 = "#9a9a9a"
BAND_95 = "#d4d4d4"
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",  # text as text: small files, editable labels
    "svg.hashsalt": "talentgap",  # the same chart gives the same file
    "legend.frameon": False,
    # a report draws every chart (two per group: 28 with the strategic markets) before it writes and closes them
    "figure.max_open_warning": 0,
}


def _thousands(value: float, _position: int) -> str:
    """Axis labels as a Dutch text writes numbers: 10.000, 2.500, 250, 0,5."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


THOUSANDS = FuncFormatter(_thousands)


@dataclass(frozen=True)
class Chart:
    """One chart: its file stem, its caption and the figure drawn."""

    stem: str
    caption: str
    figure: Figure

    def render(self) -> tuple[bytes, bytes]:
        """The chart as SVG and as PNG (150 dpi)."""
        svg, png = io.BytesIO(), io.BytesIO()
        with plt.rc_context(STYLE):  # the SVG's ids are salted at saving: same chart, same bytes
            self.figure.savefig(svg, format="svg", metadata={"Date": None})  # and no timestamp
            self.figure.savefig(png, format="png", dpi=150)
        return svg.getvalue(), png.getvalue()

    def close(self) -> None:
        plt.close(self.figure)


# the charts a forked worker renders: inherited with the process's memory, so no figure is pickled
_TO_RENDER: list[Chart] = []


def _render_at(index: int) -> tuple[bytes, bytes]:
    return _TO_RENDER[index].render()


def render_all(charts: list[Chart]) -> list[tuple[bytes, bytes]]:
    """Every chart as SVG and PNG, in order. Rendering was a third of a full run: with a second core and `fork`, a
    forked worker renders every other chart while this process renders the rest (byte for byte what one process
    would make)."""
    if len(charts) < 4 or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [chart.render() for chart in charts]
    _TO_RENDER[:] = charts
    try:
        with multiprocessing.get_context("fork").Pool(1) as worker:
            theirs = worker.map_async(_render_at, range(1, len(charts), 2))
            mine = [chart.render() for chart in charts[::2]]
            rendered = theirs.get()
    finally:
        _TO_RENDER.clear()
    return [pair for both in zip(mine, rendered, strict=False) for pair in both] + mine[len(rendered) :]


def group_chart(
    history: pl.DataFrame, gaps: pl.DataFrame, group: str, skill: str, title: str, survey_break: int | None = None
) -> Chart:
    """Three panels for one group and skill. `history`: the observed years (employment, demand, gap); `gaps`: the
    published rows from the base year on; `survey_break`: the first year of a new survey design, marked."""
    past = history.filter((pl.col("sector_group") == group) & (pl.col("skill") == skill)).sort("year")
    ahead = gaps.filter((pl.col("sector_group") == group) & (pl.col("skill") == skill)).sort("year")
    with plt.rc_context(STYLE):
        # fixed margins rather than a layout engine: the same room every time, at a third of the drawing cost
        figure, (employment, gap, balance) = plt.subplots(1, 3, figsize=(11, 3.4))
        figure.subplots_adjust(left=0.075, right=0.99, top=0.84, bottom=0.2, wspace=0.26)  # room for "210.000"
        _employment(employment, past, ahead)
        _gap(gap, past, ahead)
        _balance(balance, past, ahead)
        if survey_break is not None and past.height and past["year"].min() < survey_break:
            for axis in (employment, gap, balance):
                axis.axvline(survey_break - 0.5, color=SECOND, linewidth=0.8, linestyle=":")
            employment.annotate(
                "breuk EBB",
                (survey_break - 0.5, 1),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                color=SECOND,
                ha="right",
                va="top",
            )
        figure.suptitle(title, x=0.01, ha="left", fontweight="bold")
    base = int(ahead["base_year"][0])
    caption = (
        f"{title}. Links: werkzame personen, waargenomen tot {base} en geraamd met een interval van 80%. Midden: "
        f"tekort (onvervulde banen aan het eind van het jaar) met intervallen van 80% en 95%. Rechts: vraag (bezette "
        f"en onvervulde banen) en aanbod."
        + (f" Stippellijn: vanaf {survey_break} meet de EBB anders (trendbreuk)." if survey_break else "")
    )
    return Chart(f"{group}_{skill}", caption, figure)


def overview_chart(gaps: pl.DataFrame, skill: str, year: int, names: dict[str, str], title: str) -> Chart:
    """The end year's gap per group for one skill, with 80% and 95% intervals, largest first."""
    rows = (
        gaps.filter((pl.col("skill") == skill) & (pl.col("year") == year))
        .sort("gap")
        .select("sector_group", "gap", "gap_lower", "gap_upper", "gap_lower_95", "gap_upper_95")
    )
    with plt.rc_context(STYLE):
        height = 0.45 * rows.height + 1.2
        figure, axis = plt.subplots(figsize=(7, height))
        figure.subplots_adjust(left=0.33, right=0.97, top=1 - 0.45 / height, bottom=0.6 / height)
        y = range(rows.height)
        axis.hlines(y, rows["gap_lower_95"], rows["gap_upper_95"], color=BAND_95, linewidth=9, label="interval 95%")
        axis.hlines(y, rows["gap_lower"], rows["gap_upper"], color=BAND_80, linewidth=9, label="interval 80%")
        axis.plot(rows["gap"], list(y), "o", color=INK, label=f"tekort {year}")
        axis.set_yticks(list(y), [names.get(g, g) for g in rows["sector_group"]])
        axis.xaxis.set_major_formatter(THOUSANDS)
        axis.axvline(0, color=SECOND, linewidth=0.8)
        axis.set_xlabel("onvervulde banen (personen)")
        axis.set_title(title, loc="left", fontweight="bold", x=-0.45)
        axis.legend(loc="lower right", fontsize=8)
    caption = f"{title}: geraamd tekort in {year} per groep, met intervallen van 80% (donker) en 95% (licht)."
    return Chart(f"overview_{skill}_{year}", caption, figure)


def _employment(axis, past: pl.DataFrame, ahead: pl.DataFrame) -> None:
    _fan(axis, ahead, "employment_lower", "employment_upper", None, None)
    axis.plot(past["year"], past["employment"], color=INK, linewidth=1.8, label="waargenomen")
    axis.plot(ahead["year"], ahead["employment"], color=INK, linewidth=1.8, linestyle="--", label="raming")
    _finish(axis, "Werkzaam")


def _gap(axis, past: pl.DataFrame, ahead: pl.DataFrame) -> None:
    _fan(axis, ahead, "gap_lower", "gap_upper", "gap_lower_95", "gap_upper_95")
    axis.plot(past["year"], past["gap"], color=INK, linewidth=1.8, marker="o", markersize=3, label="waargenomen")
    axis.plot(ahead["year"], ahead["gap"], color=INK, linewidth=1.8, linestyle="--", label="raming")
    axis.axhline(0, color=SECOND, linewidth=0.8)
    _finish(axis, "Tekort (onvervulde banen)")


def _balance(axis, past: pl.DataFrame, ahead: pl.DataFrame) -> None:
    axis.plot(past["year"], past["demand"], color=INK, linewidth=1.8, label="vraag")
    axis.plot(past["year"], past["employment"], color=SECOND, linewidth=1.8, marker="s", markersize=3, label="aanbod")
    axis.plot(ahead["year"], ahead["demand"], color=INK, linewidth=1.8, linestyle="--")
    axis.plot(ahead["year"], ahead["supply"], color=SECOND, linewidth=1.8, linestyle="--", marker="s", markersize=3)
    _finish(axis, "Vraag en aanbod (- - raming)")


def _fan(axis, ahead: pl.DataFrame, lower: str, upper: str, lower_95: str | None, upper_95: str | None) -> None:
    if lower_95:
        axis.fill_between(ahead["year"], ahead[lower_95], ahead[upper_95], color=BAND_95, label="95%", linewidth=0)
    axis.fill_between(ahead["year"], ahead[lower], ahead[upper], color=BAND_80, label="80%", linewidth=0)


def _finish(axis, title: str) -> None:
    axis.set_title(title, loc="left")
    axis.yaxis.set_major_formatter(THOUSANDS)
    axis.xaxis.get_major_locator().set_params(integer=True)
    # under the panel, never over the lines
    axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, handlelength=1.8)


def regional_chart(regional: pl.DataFrame, skill: str, year: int, names: dict[str, str], title: str) -> Chart:
    """Small multiples: per group, the end year's gap in each province with its 80% interval; the same province
    order in every panel, each panel on its own scale (the groups differ a hundredfold)."""
    rows = regional.filter((pl.col("skill") == skill) & (pl.col("year") == year))
    groups = list(dict.fromkeys(rows.sort("national_gap", descending=True)["sector_group"]))
    provinces = rows.select("region_code", "region").unique().sort("region_code", descending=True)
    labels = [r.removesuffix(" (PV)") for r in provinces["region"]]
    columns = 4
    with plt.rc_context(STYLE):
        lines = -(-len(groups) // columns)
        figure, axes = plt.subplots(lines, columns, figsize=(11, 2.9 * lines), sharey=True, squeeze=False)
        figure.subplots_adjust(left=0.1, right=0.99, top=1 - 0.5 / (2.9 * lines), bottom=0.06, wspace=0.12, hspace=0.45)
        for axis, group in zip(axes.flat, groups, strict=False):
            part = provinces.join(
                rows.filter(pl.col("sector_group") == group), on=["region_code", "region"], how="left"
            )
            y = list(range(part.height))
            # a province not estimated stays empty (NaN draws nothing), never a zero
            nan = float("nan")
            axis.hlines(
                y, part["gap_lower"].fill_null(nan), part["gap_upper"].fill_null(nan), color=BAND_80, linewidth=5
            )
            axis.plot(part["gap"].fill_null(nan), y, "o", color=INK, markersize=3)
            axis.set_yticks(y, labels)
            axis.xaxis.set_major_formatter(THOUSANDS)
            axis.axvline(0, color=SECOND, linewidth=0.8)
            axis.set_title(names.get(group, group), loc="left", fontsize=9)
        for axis in list(axes.flat)[len(groups) :]:
            axis.set_visible(False)
        figure.suptitle(title, x=0.01, ha="left", fontweight="bold")
    caption = (
        f"{title}: het geraamde tekort in {year} per provincie en groep (punt) met het interval van 80% (balk); "
        "elke groep op een eigen schaal; een lege regel is een provincie die niet geschat kon worden. De provincies "
        "tellen op tot het landelijke tekort."
    )
    return Chart(f"regions_{skill}_{year}", caption, figure)
