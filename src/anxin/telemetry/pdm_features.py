"""Failure-within-horizon: the window features and labels shared by ``anxin pdm`` and ``benchmarks/pdm.py``.

Pure Python over sorted time series (no database, no pandas), so the product's training on its own
history and the benchmark on the Azure PdM data build their rows the same way:

* ``horizon_labels``: a point (device, t) is labelled with every component that fails in
  ``[t + start, t + horizon)`` (one row per failure, as the Azure guide's R notebook does: two components
  failing at once give two rows), ``"none"`` when none does.
* ``count_in``: events in the window ``(t - window, t]``; ``hours_since``: hours since the last event at
  or before ``t``; ``window_stats``: mean and standard deviation of values in ``(t - window, t]``.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime, timedelta

NONE = "none"


def horizon_labels(
    points: Sequence[tuple[Hashable, datetime]],
    failures: Iterable[tuple[Hashable, datetime, str]],
    *,
    horizon: timedelta,
    start: timedelta = timedelta(0),
) -> list[tuple[int, str]]:
    """(index into ``points``, label) rows: one per failure of the point's device at ``t + start`` or
    later and before ``t + horizon``, or one ``"none"`` row."""
    by_device: dict[Hashable, list[tuple[datetime, str]]] = defaultdict(list)
    for device, moment, component in failures:
        by_device[device].append((moment, component))
    times: dict[Hashable, list[datetime]] = {}
    for device, rows in by_device.items():
        rows.sort()
        times[device] = [moment for moment, _ in rows]
    out: list[tuple[int, str]] = []
    for index, (device, moment) in enumerate(points):
        rows = by_device.get(device)
        if rows:
            lo = bisect_left(times[device], moment + start)
            hi = bisect_left(times[device], moment + horizon)
            if hi > lo:
                out.extend((index, component) for _, component in rows[lo:hi])
                continue
        out.append((index, NONE))
    return out


def count_in(times: Sequence[datetime], moment: datetime, window: timedelta) -> int:
    """Events of the sorted ``times`` in ``(moment - window, moment]``."""
    return bisect_right(times, moment) - bisect_right(times, moment - window)


def hours_since(times: Sequence[datetime], moment: datetime, *, strict: bool = False) -> float:
    """Hours since the last of the sorted ``times`` at (or, ``strict``, before) ``moment``; NaN if none."""
    index = (bisect_left if strict else bisect_right)(times, moment)
    if index == 0:
        return math.nan
    return (moment - times[index - 1]).total_seconds() / 3600


def window_stats(
    times: Sequence[datetime], values: Sequence[float], moment: datetime, window: timedelta
) -> tuple[float, float]:
    """Mean and population standard deviation of the values at sorted ``times`` in
    ``(moment - window, moment]``; NaN, NaN when the window is empty."""
    lo, hi = bisect_right(times, moment - window), bisect_right(times, moment)
    if hi <= lo:
        return math.nan, math.nan
    chunk = values[lo:hi]
    mean = sum(chunk) / len(chunk)
    return mean, math.sqrt(sum((value - mean) ** 2 for value in chunk) / len(chunk))
