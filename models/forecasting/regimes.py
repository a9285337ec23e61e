"""Labour-market regimes, read from the data rather than dated by hand: a quarter is a *downturn* when open
vacancies in the whole economy (80472ned, A-U) are more than 10% below a year before, a *recovery* when they are not
falling that fast but are still below their average of the previous five years, and an *expansion* otherwise.

Vacancies lead employment and swing widest over the cycle, which makes them the clearest signal of the regime a
forecaster stands in. Pure polars; the benchmark labels each backtest origin with the regime it was made in.
"""

from __future__ import annotations

import polars as pl

REGIMES = ("expansion", "downturn", "recovery")
SIGNAL = r"^80472ned \| OpenstaandeVacatures.*A-U Alle"  # the series id of open vacancies in the whole economy
FALL = -0.10  # year-on-year change of open vacancies below which a quarter is a downturn
MEMORY = 20  # quarters: the "normal" level is the average of the previous five years


def regimes(total: pl.DataFrame) -> pl.DataFrame:
    """period_index -> regime for a quarterly series (period_index, value), from its fifth quarter on."""
    frame = total.sort("period_index").with_columns(
        (pl.col("value") / pl.col("value").shift(4) - 1).alias("year_on_year"),
        pl.col("value").shift(1).rolling_mean(MEMORY, min_samples=8).alias("normal"),
    )
    return frame.filter(pl.col("year_on_year").is_not_null(), pl.col("normal").is_not_null()).select(
        "period_index",
        pl.when(pl.col("year_on_year") < FALL)
        .then(pl.lit("downturn"))
        .when(pl.col("value") < pl.col("normal"))
        .then(pl.lit("recovery"))
        .otherwise(pl.lit("expansion"))
        .alias("regime"),
    )


def regimes_of_panel(frame: pl.DataFrame) -> pl.DataFrame | None:
    """regimes() of the open-vacancies total in a long frame of quarterly series (series_id, period_index, value),
    or None when the frame does not hold it."""
    total = frame.filter(pl.col("series_id").str.contains(SIGNAL))
    if total["series_id"].n_unique() != 1:
        return None
    return regimes(total.select("period_index", "value"))
