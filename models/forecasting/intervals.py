"""Prediction intervals from the backtest's errors (split conformal): |scaled error| quantiles per table pool, model
and horizon; the chosen models' errors that calibrate them, by labour-market regime where there are enough; and the
leave-one-origin-out coverage that says how honest they are."""

from __future__ import annotations

import numpy as np
import polars as pl

from models.forecasting.panel import pool_of

Z_80, Z_95 = 0.8, 0.95
MIN_POOL_ERRORS = 30  # fewer backtest errors than this in a table: its intervals are no narrower than all tables'
MIN_POOL_ORIGINS = 3  # ... and so for a table backtested at fewer origins than this (one year is no sample)
CHOSEN = "chosen"  # the model label of the errors of each series' chosen model, which calibrate its intervals
ALL_TABLES = "*"  # the pool of widths calibrated on every table of the frequency
# fewer chosen-model errors of origins in the current regime at a horizon: all of a table's origins calibrate
MIN_REGIME_ERRORS = 200


def _quantiles(errors: pl.DataFrame) -> pl.DataFrame:
    """|scaled error| quantiles per table pool, model and horizon; thin pools no narrower than all tables'. The pool
    is the `pool` column where the frame has one (worked out once by a caller that calls this many times)."""
    aggregations = (
        pl.col("scaled_error").abs().quantile(Z_80, "higher").alias("q80"),
        pl.col("scaled_error").abs().quantile(Z_95, "higher").alias("q95"),
        pl.len().alias("n"),
        pl.col("origin").n_unique().alias("origins"),
    )
    pooled = errors if "pool" in errors.columns else errors.with_columns(pool_of(pl.col("series_id")).alias("pool"))
    per_pool = pooled.group_by("pool", "model", "horizon").agg(*aggregations)
    overall = errors.group_by("model", "horizon").agg(*aggregations)
    thick = (pl.col("n") >= MIN_POOL_ERRORS) & (pl.col("origins") >= MIN_POOL_ORIGINS)
    return per_pool.join(overall, on=["model", "horizon"], suffix="_all").select(
        "pool",
        "model",
        "horizon",
        pl.when(thick).then(pl.col("q80")).otherwise(pl.max_horizontal("q80", "q80_all")).alias("q80"),
        pl.when(thick).then(pl.col("q95")).otherwise(pl.max_horizontal("q95", "q95_all")).alias("q95"),
    )


def interval_widths(errors: pl.DataFrame, horizon: int) -> pl.DataFrame:
    """Split-conformal quantiles of |scaled error| per table pool, model and horizon, over series and origins, plus
    the pool ALL_TABLES over every table.

    Horizons past the backtest grow with the square root of the horizon; widths never shrink with the horizon.
    """
    everywhere = errors.with_columns(pl.lit(ALL_TABLES).alias("series_id"))  # one pool: the fallback
    quantiles = pl.concat([_quantiles(errors), _quantiles(everywhere)])
    rows = []
    for pool, model in quantiles.select("pool", "model").unique().sort("pool", "model").iter_rows():
        known = quantiles.filter(pl.col("pool") == pool, pl.col("model") == model).sort("horizon")
        q80 = dict(zip(known["horizon"], known["q80"], strict=True))
        q95 = dict(zip(known["horizon"], known["q95"], strict=True))
        top = max(q80)
        w80 = w95 = 0.0
        for h in range(1, horizon + 1):
            base = min(h, top)
            growth = np.sqrt(h / top) if h > top else 1.0
            w80 = max(w80, q80[base] * growth)
            w95 = max(w95, q95[base] * growth, w80)
            rows.append((pool, model, h, w80, w95))
    return pl.DataFrame(rows, schema=["pool", "model", "horizon", "q80", "q95"], orient="row")


def chosen_errors(errors: pl.DataFrame, selection: pl.DataFrame) -> pl.DataFrame:
    """The backtest errors of each series' chosen model, labelled CHOSEN: they calibrate the published intervals.

    Calibrating on the chosen models' own errors, not on every series' errors of that model, keeps intervals from
    inheriting the misses of series that did not choose it (which made them too wide).
    """
    return errors.join(selection.select("series_id", "model"), on=["series_id", "model"]).with_columns(
        pl.lit(CHOSEN).alias("model")
    )


def current_regime(origin_regimes: pl.DataFrame | None, last_index: int) -> str | None:
    """The regime of the last labelled period at or before `last_index` (a table may run a quarter ahead of the
    vacancies the regimes are read from), or None without labels."""
    if origin_regimes is None:
        return None
    known = origin_regimes.filter(pl.col("period_index") <= last_index).sort("period_index")
    return known["regime"][-1] if known.height else None


def calibration_errors(
    chosen: pl.DataFrame, origin_regimes: pl.DataFrame | None, regime: str | None
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The chosen models' errors that calibrate the intervals, and per table the words that say which they are.

    Where the labour-market regime of every origin is known (models/forecasting/regimes.py) and a table has at least
    MIN_REGIME_ERRORS errors at every horizon from origins in the regime its forecasts start in, only those
    calibrate its intervals (Mondrian conformal): errors made in a boom say more about forecasts made in a boom, and
    over whole cycles all-regime widths were too narrow in expansions and too wide in recoveries. Otherwise all of
    the table's origins do.
    """
    labelled = chosen.with_columns(pool_of(pl.col("series_id")).alias("_pool"))
    basis = dict.fromkeys(labelled["_pool"].unique().to_list(), "chosen models' backtest errors, all origins")
    if origin_regimes is None or regime is None:
        return chosen, basis
    labelled = labelled.join(origin_regimes.rename({"period_index": "origin"}), on="origin", how="left")
    in_regime = pl.col("regime") == regime
    counts = labelled.filter(in_regime).group_by("_pool", "horizon").len()
    thick = (
        labelled.select("_pool", "horizon")
        .unique()
        .join(counts, on=["_pool", "horizon"], how="left")
        .group_by("_pool")
        .agg((pl.col("len").fill_null(0) >= MIN_REGIME_ERRORS).all().alias("thick"))
        .filter("thick")["_pool"]
        .to_list()
    )
    basis |= dict.fromkeys(thick, f"chosen models' backtest errors, origins in the current regime ({regime})")
    by_regime = pl.col("_pool").is_in(thick)
    return labelled.filter(~by_regime | in_regime).select(chosen.columns), basis


def out_of_sample_coverage(errors: pl.DataFrame) -> pl.DataFrame:
    """Coverage of intervals whose widths come from the other origins only, so it is an honest estimate: per
    series, model and horizon, the share of its errors within the widths _quantiles gives on the other origins'.

    Worked out one model and horizon at a time (every width and every share stays within one): at a hundred times
    the series the errors of all of them at once were the forecast step's largest copy."""
    parts = [
        _coverage(part)
        for _, part in errors.select("series_id", "model", "origin", "horizon", "scaled_error").group_by(
            "model", "horizon"
        )
    ]
    schema = {"series_id": pl.String, "model": pl.String, "horizon": pl.Int64, "coverage_80": pl.Float64}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema | {"coverage_95": pl.Float64})


def _coverage(errors: pl.DataFrame) -> pl.DataFrame:
    """out_of_sample_coverage for the errors of one model and horizon."""
    frame = errors.select(
        "series_id",
        pool_of(pl.col("series_id")).alias("pool"),
        "model",
        "origin",
        "horizon",
        pl.col("scaled_error").abs().alias("error"),
    )
    per_pool = _quantiles_without_each_origin(frame, ["pool", "model", "horizon"])
    overall = _quantiles_without_each_origin(frame, ["model", "horizon"]).select(
        "model", "horizon", "origin", pl.col("q80").alias("q80_all"), pl.col("q95").alias("q95_all")
    )
    thick = (pl.col("n") >= MIN_POOL_ERRORS) & (pl.col("origins") >= MIN_POOL_ORIGINS)
    widths = per_pool.join(overall, on=["model", "horizon", "origin"]).select(
        "pool",
        "model",
        "horizon",
        "origin",
        pl.when(thick).then(pl.col("q80")).otherwise(pl.max_horizontal("q80", "q80_all")).alias("q80"),
        pl.when(thick).then(pl.col("q95")).otherwise(pl.max_horizontal("q95", "q95_all")).alias("q95"),
    )
    return (
        frame.join(widths, on=["pool", "model", "horizon", "origin"], how="inner")
        .group_by("series_id", "model", "horizon")
        .agg(
            (pl.col("error") <= pl.col("q80")).mean().alias("coverage_80"),
            (pl.col("error") <= pl.col("q95")).mean().alias("coverage_95"),
        )
        .select("series_id", "model", "horizon", "coverage_80", "coverage_95")
    )


def _quantiles_without_each_origin(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per group and origin, the 80% and 95% quantiles ("higher", as polars takes them) of the group's errors at
    every other origin, with their count and number of origins: what _quantiles gives on the other origins' errors,
    for all origins at once.

    The k-th smallest error left after taking out one origin's is found in the group's sorted errors: before the
    i-th error taken out (at sorted position p_i) stand p_i - i of those left, so it sits at k + #{i: p_i - i <= k}.
    """
    rows = []
    for key, part in frame.sort("error").group_by(keys, maintain_order=True):
        error, origin = part["error"].to_numpy(), part["origin"].to_numpy()
        order = np.argsort(origin, kind="stable")  # positions in the sorted errors, grouped by origin, ascending
        origins, starts = np.unique(origin[order], return_index=True)
        for label, positions in zip(origins, np.split(order, starts[1:]), strict=True):
            left = len(error) - len(positions)
            if left == 0:
                continue
            before = positions - np.arange(len(positions))
            quantiles = []
            for q in (Z_80, Z_95):
                k = int(np.ceil((left - 1) * q))
                quantiles.append(error[k + np.searchsorted(before, k, side="right")])
            rows.append((*key, int(label), *quantiles, left, len(origins) - 1))
    schema = {
        **{k: frame.schema[k] for k in keys},
        "origin": frame.schema["origin"],
        "q80": pl.Float64,
        "q95": pl.Float64,
        "n": pl.Int64,
        "origins": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")
