"""The business cycle in the gap, and how supply answers it: pure numpy, estimated with only what was known at an
origin.

- `Cycle`: how far a unit's vacancy rate (unfilled jobs per filled job) stood from its normal level at the base year,
  and how fast that distance fades: the share left after a year (`persistence`), the slope of a first-order
  autoregression of the SBI sections' vacancy rates (80567ned, every 4th quarter since 1997) on their distance from
  their own means, pooled over the sections. 1997-2022 holds four downturns and their recoveries.
- `Response`: how many people move into a skill's jobs from elsewhere (the calibrated other entrants) as a share of
  its workers: the unit's own mean rate over its calibration years, plus, when demand for filled jobs outgrows
  supply, a share of that shortfall a year (and fewer when supply outgrows demand). The share is the one the cycle
  shows: 1 - persistence of the vacancy rates, what of an excess vacancy rate is gone a year on. (A slope of the
  rate on tightness fitted to 2013-2022 came out at 1.5-4: the calibrated rates carry the survey's noise, and a
  response above 1 overshoots every year.) Projected, the rate stays within the unit's calibrated range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Cycle:
    normal_rate: float  # unfilled jobs per filled job at the long-run vacancy rate of the unit's sectors
    base_rate: float  # unfilled jobs per filled job in the base year
    persistence: float  # share of the distance from normal left after a year

    def rate(self, years_ahead: np.ndarray) -> np.ndarray:
        """The vacancy rate the cycle alone gives `years_ahead` after the base year."""
        return self.normal_rate + (self.base_rate - self.normal_rate) * self.persistence ** np.asarray(years_ahead)


@dataclass(frozen=True)
class Response:
    mean_rate: float  # the unit's mean other-entrant rate over its calibration years
    adjustment: float  # the share of a shortfall of supply below demand that extra entrants close in a year
    low: float  # the calibrated range the projected rate stays in
    high: float

    def rate(self, shortfall: np.ndarray | float, shift: np.ndarray | float = 0.0) -> np.ndarray:
        """The other-entrant rate given last year's shortfall of supply below demand, as a share of supply; `shift`
        moves the calibrated rate and its range (another value of an assumption the calibration rests on)."""
        return np.clip(
            self.mean_rate + shift + self.adjustment * np.asarray(shortfall), self.low + shift, self.high + shift
        )


def persistence(rates: dict[tuple[str, int], float], origin: int, codes: list[str] | None = None) -> float:
    """The yearly persistence of sector vacancy rates' distance from their means, from the years up to `origin`:
    the pooled least-squares slope of each section's distance on its distance the year before."""
    codes = codes or sorted({code for code, _ in rates})
    now, before = [], []
    for code in codes:
        years = sorted(y for c, y in rates if c == code and y <= origin)
        series = np.array([rates[(code, y)] for y in years])
        if len(series) < 3 or np.any(np.diff(years) != 1):
            continue
        distance = series - series.mean()
        now.append(distance[1:])
        before.append(distance[:-1])
    if not now:
        raise ValueError(f"no vacancy-rate series of three or more consecutive years up to {origin}")
    x, y = np.concatenate(before), np.concatenate(now)
    return float(np.clip(x @ y / (x @ x), 0.0, 1.0))
