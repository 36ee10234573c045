"""Carbon-aware scheduling over an hourly intensity series (Dodge et al., FAccT 2022, Sec. 5).

A job of ``hours`` hours of constant power that would start at hour ``t`` (every hour of the
series, in turn) may instead

* Flexible Start: start at the cleanest ``t + s`` with ``0 <= s <= window`` (window of +6, 12, 18
  or 24 h in the paper);
* Pause and Resume: run in the cleanest ``hours`` hourly slots between ``t`` and
  ``t + hours * (1 + extra)``, i.e. take up to 25, 50, 75 or 100 % longer.

Emissions are proportional to the sum of the intensities of the hours the job runs in; the saving
is reported as the mean over all start hours of ``1 - optimised / baseline``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from carbonflow.flows.errors import ConfigError, check_int, check_real

__all__ = ["ScheduleResult", "flexible_start", "pause_resume"]


@dataclass(frozen=True)
class ScheduleResult:
    """Mean relative saving (0..1) over ``starts`` start hours and the mean baseline (g/kWh*h)."""

    policy: str
    parameter: float
    saving: float
    starts: int
    baseline_sum: float
    optimised_sum: float


def _windows(values: np.ndarray, length: int) -> np.ndarray:
    c = np.concatenate(([0.0], np.cumsum(values)))
    return c[length:] - c[:-length]


def flexible_start(values: np.ndarray, hours: int, window: int) -> ScheduleResult:
    """Best start within ``window`` hours after each possible start."""
    v = np.asarray(values, dtype=float)
    check_int("hours", hours, 1, len(v))
    check_int("window", window, 0)
    sums = _windows(v, hours)  # sums[t]: job started at t
    starts = len(sums) - window
    if starts < 1:
        raise ConfigError(f"series of {len(v)} h is too short for hours={hours} and "
                          f"window={window}")
    from numpy.lib.stride_tricks import sliding_window_view

    best = sliding_window_view(sums, window + 1).min(axis=1)[:starts]
    base = sums[:starts]
    return ScheduleResult("flexible_start", window, float(np.mean(1 - best / base)), starts,
                          float(base.mean()), float(best.mean()))


def pause_resume(values: np.ndarray, hours: int, extra: float) -> ScheduleResult:
    """Cleanest ``hours`` slots within ``hours * (1 + extra)`` after each possible start."""
    v = np.asarray(values, dtype=float)
    check_int("hours", hours, 1, len(v))
    check_real("extra", extra, 0.0, 10.0)
    span = int(np.floor(hours * (1 + extra) + 1e-9))
    starts = len(v) - span + 1
    if starts < 1:
        raise ConfigError(f"series of {len(v)} h is too short for hours={hours} and "
                          f"extra={extra}")
    from numpy.lib.stride_tricks import sliding_window_view

    win = sliding_window_view(v, span)[:starts]
    best = np.sort(win, axis=1)[:, :hours].sum(axis=1)
    base = _windows(v, hours)[:starts]
    return ScheduleResult("pause_resume", extra, float(np.mean(1 - best / base)), starts,
                          float(base.mean()), float(best.mean()))
