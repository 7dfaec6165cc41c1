"""Waiting by group (issue 4 part 4): T1-T3 by demographic group, from the timeliness module's durations.

The durations are exactly those of `timeliness` (same clocks, calendar and T3 source); this module only
groups them. A duration belongs to the window when its clock stopped in it; the group is the case's
group for the inequality `dimension` (not stated and missing kept as groups of their own).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from lotus_analytics.inequalities import dimension_values
from lotus_analytics.periods import Window
from lotus_analytics.timeliness import PERCENTILE_DEFINITION, Durations

METHOD = ("durations of the timeliness measures whose clock stopped in the window, by the case's group; "
          f"median and 90th percentile by {PERCENTILE_DEFINITION}")


def stage_times_by_group(
    cases: pd.DataFrame, durations: dict[str, Durations], *, dimension: str, window: Window,
    measures: Sequence[str] = ("T1", "T2", "T3"),
) -> pd.DataFrame:
    """n, median and 90th percentile of each stage by group. `durations`: timeliness.completed_durations(cases).

    Columns: measure, dimension, group, n, median, p90, unit, window, method.
    """
    groups = dimension_values(cases, dimension).to_numpy(dtype=object)
    start, end = np.datetime64(window.start.date(), "D"), np.datetime64(window.end.date(), "D")
    frames = []
    for measure in measures:
        done = durations[measure]
        stopped = done.end.astype("datetime64[D]")
        inside = (stopped >= start) & (stopped <= end)
        frame = pd.DataFrame({"group": groups[done.rows[inside]], "days": done.length[inside]})
        grouped = frame.groupby("group", dropna=False, sort=False)["days"]
        summary = pd.DataFrame({"n": grouped.size(), "median": grouped.median(), "p90": grouped.quantile(0.9)})
        frames.append(summary.rename_axis("group").reset_index().assign(measure=measure, unit=done.stage.unit))
    columns = ["measure", "dimension", "group", "n", "median", "p90", "unit", "window", "method"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return out.assign(dimension=dimension, window=window.label, method=METHOD).reindex(columns=columns)
