"""Grid carbon intensity: constants per region, or an hourly time series from a CSV.

Bundled hourly series (``carbon/data/``, see its PROVENANCE.md): US EIA-930 balancing
authorities for 2022, average intensity in g CO2e/kWh: ``CISO`` (California), ``PJM``
(Mid-Atlantic, Virginia), ``BPAT`` (Pacific Northwest).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np

from carbonflow.flows.errors import ConfigError, check_int

__all__ = ["REGION_CI", "BUNDLED_SERIES", "HourlySeries", "load_series", "bundled_series",
           "resolve_intensity"]

#: Constant intensities, g CO2e/kWh. The CATransformers configuration (configurations.py) uses
#: california 224, bc 68 and taiwan 524; world is the IEA's 2019 global average of 475
#: (IEA, Global Energy & CO2 Status Report 2019).
REGION_CI = {"california": 224.0, "bc": 68.0, "taiwan": 524.0, "world": 475.0}

BUNDLED_SERIES = {"CISO": "eia930_CISO_2022_hourly.csv", "PJM": "eia930_PJM_2022_hourly.csv",
                  "BPAT": "eia930_BPAT_2022_hourly.csv"}


@dataclass(frozen=True)
class HourlySeries:
    """Hourly intensities (g CO2e/kWh) starting at ``start``; ``filled`` hours were interpolated."""

    name: str
    start: datetime
    values: np.ndarray
    filled: int = 0

    def __len__(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    def mean_over_hours_of_day(self, hours: list[int] | None = None) -> float:
        """Mean intensity over the hours of day (UTC) in ``hours`` (all hours if ``None``)."""
        if hours is None:
            return self.mean
        for h in hours:
            check_int("usage hour", h, 0, 23)
        hod = np.array([(self.start + timedelta(hours=i)).hour for i in range(len(self))])
        mask = np.isin(hod, hours)
        return float(self.values[mask].mean())


def _parse_time(s: str, row: int) -> datetime:
    try:
        return datetime.fromisoformat(s.strip())
    except ValueError:
        raise ConfigError(f"row {row}: timestamp {s!r} is not ISO-8601") from None


def load_series(path: str | Path, *, column: str = "avg_CI", max_gap_hours: int = 24,
                name: str | None = None) -> HourlySeries:
    """Read an hourly CSV with a ``timestamp`` column and an intensity column.

    Empty intensity cells are filled by linear interpolation between the neighbouring hours if the
    gap is at most ``max_gap_hours`` long; longer gaps, gaps at either end, missing hours (a
    timestamp step other than one hour) and negative values are refused with a ConfigError.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"series file {str(p)!r} does not exist")
    with open(p, newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "timestamp" not in reader.fieldnames or \
                column not in reader.fieldnames:
            raise ConfigError(f"series {str(p)!r} needs columns 'timestamp' and {column!r}; "
                              f"has {reader.fieldnames}")
        times, vals = [], []
        for i, row in enumerate(reader, start=2):
            times.append(_parse_time(row["timestamp"], i))
            cell = (row[column] or "").strip()
            if cell:
                try:
                    v = float(cell)
                except ValueError:
                    raise ConfigError(f"row {i}: {column}={cell!r} is not a number") from None
                if v < 0:
                    raise ConfigError(f"row {i}: {column} must be >= 0, got {v}")
                vals.append(v)
            else:
                vals.append(np.nan)
    if len(times) < 2:
        raise ConfigError(f"series {str(p)!r} has {len(times)} rows; need at least 2")
    for i in range(1, len(times)):
        if times[i] - times[i - 1] != timedelta(hours=1):
            raise ConfigError(f"series {str(p)!r} is not hourly: {times[i - 1]} is followed by "
                              f"{times[i]} (row {i + 2}); fill the missing hours or resample")
    v = np.array(vals, dtype=float)
    missing = np.isnan(v)
    if missing[0] or missing[-1]:
        raise ConfigError(f"series {str(p)!r} has no {column} value in its first or last row; "
                          "cannot interpolate at the ends")
    if missing.any():
        run, longest = 0, 0
        for m in missing:
            run = run + 1 if m else 0
            longest = max(longest, run)
        if longest > max_gap_hours:
            raise ConfigError(f"series {str(p)!r} has a gap of {longest} hours; max_gap_hours is "
                              f"{max_gap_hours}")
        idx = np.arange(len(v))
        v[missing] = np.interp(idx[missing], idx[~missing], v[~missing])
    return HourlySeries(name=name or p.stem, start=times[0], values=v, filled=int(missing.sum()))


def bundled_series(region: str) -> HourlySeries:
    """One of the bundled 2022 EIA-930 series: ``CISO``, ``PJM`` or ``BPAT``."""
    if region not in BUNDLED_SERIES:
        raise ConfigError(f"region must be one of {', '.join(BUNDLED_SERIES)}; got {region!r}")
    ref = resources.files("carbonflow.carbon.data") / BUNDLED_SERIES[region]
    with resources.as_file(ref) as path:
        return load_series(path, name=region)


def resolve_intensity(spec: str | float, usage_hours: list[int] | None = None) -> tuple[float, str]:
    """An intensity in g/kWh from a number, a region name, a bundled series or a CSV path.

    Returns ``(g_per_kwh, description)``. For series, the mean over ``usage_hours`` (UTC).
    """
    if isinstance(spec, (int, float)):
        if spec < 0:
            raise ConfigError(f"grid intensity must be >= 0 g/kWh, got {spec}")
        return float(spec), f"{spec:g} g/kWh"
    s = str(spec)
    try:
        return resolve_intensity(float(s), usage_hours)
    except ValueError:
        pass
    if s.lower() in REGION_CI:
        return REGION_CI[s.lower()], f"{s.lower()} ({REGION_CI[s.lower()]:g} g/kWh)"
    if s.upper() in BUNDLED_SERIES:
        series = bundled_series(s.upper())
    elif Path(s).is_file():
        series = load_series(s)
    else:
        raise ConfigError(f"grid must be a number (g/kWh), a region ({', '.join(REGION_CI)}), a "
                          f"bundled series ({', '.join(BUNDLED_SERIES)}) or a CSV file; got {s!r}")
    v = series.mean_over_hours_of_day(usage_hours)
    return v, f"{series.name} hourly series, mean {v:.1f} g/kWh"
