"""Property tests over the disclosure spec of every published table (timeliness and equity included):
whatever counts a table holds, no count of 1-7 is published, nothing resting on a hidden count is
shown, and no line that adds up to a published total has exactly one hidden cell."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lotus_analytics.disclosure import SUPPRESSED, DisclosureSpec, apply_disclosure
from lotus_analytics.reports.tables import SPECS

counts = st.one_of(st.integers(0, 9), st.integers(0, 200))


@st.composite
def table_for(draw: st.DrawFn, spec: DisclosureSpec) -> pd.DataFrame:
    """A frame with every column the spec names: random counts (totals the sum of their parts),
    statistics and rates filled with a number, and a total row when the spec has one."""
    n_rows = draw(st.integers(1, 6))
    frame = pd.DataFrame({c: draw(st.lists(counts, min_size=n_rows, max_size=n_rows)) for c in spec.counts})
    for total, parts in spec.row_totals.items():
        frame[total] = frame[list(parts)].sum(axis=1)
    for column in spec.columns - set(frame.columns):
        frame[column] = 0.5
    if spec.total_row_key:
        frame[spec.total_row_key] = [f"row {i}" for i in range(n_rows)]
        total = frame[list(spec.counts)].sum().to_dict() | {spec.total_row_key: spec.total_label}
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True).fillna(0.5)
    return frame


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.counts))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_published_spec_hides_small_counts_and_what_rests_on_them(name, data):
    spec = SPECS[name]
    raw = data.draw(table_for(spec))
    out = apply_disclosure(raw, spec, mode="publication")
    hidden = {c: out[c] == SUPPRESSED for c in spec.counts}
    for column in spec.counts:
        assert not raw[column][~hidden[column]].between(1, 7).any(), (name, column)
        assert hidden[column][raw[column].between(1, 7)].all(), (name, column)
    for column, bases in spec.statistics.items():
        resting = pd.concat([hidden[b] for b in bases], axis=1).any(axis=1)
        assert (out.loc[resting, column] == SUPPRESSED).all(), (name, column)
    for column, (num, den, _) in spec.rates.items():
        assert (out.loc[hidden[num] | hidden[den], column] == SUPPRESSED).all(), (name, column)
    for total, parts in spec.row_totals.items():
        line = pd.concat([hidden[total], *(hidden[p] for p in parts)], axis=1).sum(axis=1)
        assert not (line == 1).any(), (name, total)
