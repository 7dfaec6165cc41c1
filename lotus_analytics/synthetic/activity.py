"""Updates to practitioners, lessons-learnt reviews and improvement actions, drawn from the cases.

Everything dated after the extract date is left out, as an extract taken that day would be.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lotus_analytics import schema
from lotus_analytics.synthetic.draws import (
    NAT, after_days, after_working_days, categorical, has_label, labels, lognormal_days, pick_subsets, sequence_ids,
    set_strings, weighted_sets,
)
from lotus_analytics.synthetic.effects import Effects

ACK_WAIT, MEETING_LETTER_WAIT, CLOSURE_LETTER_WAIT = 2, 4, 2
TRIAGE_LETTER_SHARE = 0.5
PROGRESS_EVERY_DAYS, FIRST_PROGRESS_DAYS = 40, 14  # progress letters about every 40 days after the first 2 weeks
CHANNEL_MIX = (0.45, 0.45, 0.05, 0.05)
SIGNPOSTED, SIGNPOSTED_MISSING = 0.70, 0.05
REVIEW_SHARE_OF_SERIOUS = 0.30  # closed cases with an investigation, suspension or adverse outcome
CLUSTER_PER_SINGLE, THEMATIC_PER_REGION_YEAR = 0.15, 3.0
THEME_WEIGHTS = (  # schema.REVIEW_THEMES order
    0.08, 0.08, 0.05, 0.06, 0.05, 0.04, 0.08, 0.09, 0.09, 0.03, 0.08, 0.06, 0.09, 0.05, 0.05, 0.02,
)
THEME_COUNT_MIX = (0.35, 0.40, 0.25)
LEVEL_WEIGHTS = (0.15, 0.25, 0.30, 0.25, 0.05)
LEVEL_COUNT_MIX = (0.6, 0.4)
EQUALITY_CHECK_START, EQUALITY_CHECK_END = 0.3, 0.8
ACTIONS_PER_REVIEW_MIX = (0.2, 0.35, 0.3, 0.15)  # 0, 1, 2 or 3 actions
SYSTEM_LEVEL_MIX = (0.40, 0.30, 0.25, 0.05)
DUE_AFTER_DAYS, DUE_MIX = (30, 60, 90, 180), (0.2, 0.35, 0.3, 0.15)
STARTED_SHARE = 0.7  # of the actions not done or dropped: in progress, the rest still open
COMPLETION_MEDIAN_DAYS, DROPPED_SHARE, STALLED_SHARE = 80, 0.05, 0.08  # stalled: never completed
# Owner roles by system level (schema.SYSTEM_LEVELS order): roles only, never a person.
ROLES: dict[str, tuple[str, ...]] = {
    "local": ("Case manager lead", "Performers list manager", "Clinical Director (Dental)"),
    "icb": ("Head of Quality – Primary Care", "Optometric adviser", "Primary care contracting lead"),
    "region": ("Head of Professional Standards", "Responsible Officer", "Equality, diversity and inclusion lead"),
    "national": ("National professional standards lead",),
}


def _bool_codes(rng: np.random.Generator, n: int, share: float, missing: float) -> np.ndarray:
    u = rng.random(n)
    return np.where(u < missing, -1, (u < missing + (1 - missing) * share).astype(int))


def _update_block(
    kind: str, case_index: np.ndarray, sent: np.ndarray, meeting: str | None = None, held: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Updates of one kind as parallel arrays of codes (-1 = none); `held` = the meeting dates."""
    n = len(case_index)
    return {
        "case_index": case_index,
        "update_type": np.full(n, schema.UPDATE_TYPES.index(kind)),
        "meeting": np.full(n, -1 if meeting is None else schema.MEETINGS.index(meeting)),
        "date_meeting": np.full(n, NAT) if held is None else held,
        "date_sent": sent,
    }


def draw_updates(
    rng: np.random.Generator, cases: pd.DataFrame, extract_date: date, holidays: np.ndarray,
) -> dict[str, np.ndarray]:
    """Acknowledgements, post-meeting outcome letters (triage, PAG, decision panel or hearing),
    progress letters and closure letters, each sent a lognormal number of working days after its event."""
    n = len(cases)
    idx = np.arange(n)
    dates = ("date_received", "date_triaged", "date_first_pag", "date_decision_panel", "date_closed")
    day = {c: cases[c].to_numpy(dtype="datetime64[D]") for c in dates}
    limit = np.datetime64(extract_date)

    def letters(event: str, median: float, rows: np.ndarray = idx) -> np.ndarray:
        return after_working_days(day[event][rows], lognormal_days(rng, median, 0.7, len(rows)), holidays)

    def meeting_letters(event: str, meeting: str, rows: np.ndarray) -> dict[str, np.ndarray]:
        sent = letters(event, MEETING_LETTER_WAIT, rows)
        return _update_block("post_meeting_outcome", rows, sent, meeting, day[event][rows])

    triaged = idx[(rng.random(n) < TRIAGE_LETTER_SHARE) & ~np.isnat(day["date_triaged"])]
    hearing = cases["regime"].to_numpy() == "mhps"
    last = np.where(np.isnat(day["date_closed"]), limit, day["date_closed"])
    span = (last - day["date_received"]).astype(int) - FIRST_PROGRESS_DAYS
    progress = np.repeat(idx, rng.poisson(np.maximum(span, 0) / PROGRESS_EVERY_DAYS))
    offset = FIRST_PROGRESS_DAYS + (rng.random(len(progress)) * span[progress]).astype(np.int64)
    blocks = [
        _update_block("acknowledgement", idx, letters("date_received", ACK_WAIT)),
        meeting_letters("date_triaged", "triage", triaged),
        meeting_letters("date_first_pag", "pag", idx),
        meeting_letters("date_decision_panel", "hearing", idx[hearing]),
        meeting_letters("date_decision_panel", "decision_panel", idx[~hearing]),
        _update_block("progress", progress, after_days(day["date_received"][progress], offset)),
        _update_block("closure", idx, letters("date_closed", CLOSURE_LETTER_WAIT)),
    ]
    columns = {c: np.concatenate([b[c] for b in blocks]) for c in blocks[0]}
    sent = columns["date_sent"]
    keep = np.flatnonzero(~np.isnat(sent) & (sent <= limit))
    keep = keep[np.lexsort((columns["update_type"][keep], sent[keep], columns["case_index"][keep]))]
    m = len(keep)
    return {
        "case_id": cases["case_id"].to_numpy()[columns["case_index"][keep]],
        "update_type": labels(columns["update_type"][keep], schema.UPDATE_TYPES),
        "meeting": labels(columns["meeting"][keep], schema.MEETINGS),
        "date_meeting": columns["date_meeting"][keep],
        "date_sent": sent[keep],
        "channel": labels(categorical(rng, m, CHANNEL_MIX), schema.CHANNELS),
        "support_signposted": _bool_codes(rng, m, SIGNPOSTED, SIGNPOSTED_MISSING),
    }


def _time_share(dates: np.ndarray, start: np.datetime64, end: np.datetime64) -> np.ndarray:
    """Where each date lies between start (0) and end (1)."""
    return (dates - start).astype(float) / float((end - start).astype(int))


def theme_log_weights(dates: np.ndarray, start: np.datetime64, end: np.datetime64, effects: Effects) -> np.ndarray:
    """Log weights of the review themes for each review date; the trending theme's weight rises linearly."""
    weights = np.tile(np.asarray(THEME_WEIGHTS, dtype=float), (len(dates), 1))
    if effects.theme_trend:
        j = schema.REVIEW_THEMES.index(effects.theme_trend)
        weights[:, j] *= 1 + (effects.theme_trend_factor - 1) * _time_share(dates, start, end)
    return np.log(weights)


def _serious_closed(cases: pd.DataFrame) -> np.ndarray:
    """Closed cases with an investigation, a suspension or an adverse outcome: the ones reviewed."""
    return cases["date_closed"].notna().to_numpy() & (
        cases["investigation"].fillna(False).to_numpy(dtype=bool)
        | cases["suspended"].fillna(False).to_numpy(dtype=bool)
        | cases["outcome"].isin(schema.ADVERSE_OUTCOMES).to_numpy()
    )


def draw_reviews(
    rng: np.random.Generator, cases: pd.DataFrame, n_regions: int, scale: float, start: np.datetime64,
    extract_date: date, effects: Effects,
) -> pd.DataFrame:
    """Single-case reviews of serious closed cases, cluster reviews around some of them, and thematic reviews."""
    limit = np.datetime64(extract_date)
    period_days = int((limit - start).astype(int))
    single = np.flatnonzero(_serious_closed(cases) & (rng.random(len(cases)) < REVIEW_SHARE_OF_SERIOUS))
    cluster = rng.choice(single, size=rng.poisson(CLUSTER_PER_SINGLE * len(single))) if len(single) else single
    reviewed = np.concatenate([single, cluster])
    closed = cases["date_closed"].to_numpy(dtype="datetime64[D]")[reviewed]
    n_thematic = rng.poisson(THEMATIC_PER_REGION_YEAR * n_regions * scale * period_days / 365.25)
    reviews = pd.DataFrame({
        "case_id": np.concatenate([cases["case_id"].to_numpy()[reviewed], np.full(n_thematic, None, dtype=object)]),
        "review_type": np.repeat(np.array(["single_case", "cluster", "thematic"], dtype=object),
                                 [len(single), len(cluster), n_thematic]),
        "date_review": np.concatenate([
            after_days(closed, rng.integers(14, 91, len(reviewed))),
            after_days(np.full(n_thematic, start), rng.integers(0, period_days + 1, n_thematic)),
        ]),
    })
    reviews = reviews[reviews["date_review"] <= pd.Timestamp(limit)]
    reviews = reviews.sort_values(["date_review", "review_type", "case_id"], kind="stable").reset_index(drop=True)
    n = len(reviews)
    dates = reviews["date_review"].to_numpy(dtype="datetime64[D]")
    theme_sizes = categorical(rng, n, THEME_COUNT_MIX) + 1
    themes = pick_subsets(rng, theme_log_weights(dates, start, limit, effects), theme_sizes)
    check_share = EQUALITY_CHECK_START + (EQUALITY_CHECK_END - EQUALITY_CHECK_START) * _time_share(dates, start, limit)
    reviews.insert(0, "review_id", sequence_ids("RV", n, 6))
    reviews["themes"] = set_strings(themes, schema.REVIEW_THEMES)
    levels = weighted_sets(rng, LEVEL_WEIGHTS, LEVEL_COUNT_MIX, n)
    reviews["contributory_level"] = set_strings(levels, schema.CONTRIBUTORY_LEVELS)
    reviews["equality_check_done"] = (rng.random(n) < check_share).astype(int)
    return reviews


def _roles(rng: np.random.Generator, level: np.ndarray) -> np.ndarray:
    """An owner role for each action, drawn from the roles of its system level."""
    per_level = [ROLES[lv] for lv in schema.SYSTEM_LEVELS]
    flat = np.array([r for roles in per_level for r in roles], dtype=object)
    counts = np.array([len(r) for r in per_level])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return flat[offsets[level] + rng.integers(0, 1 << 30, len(level)) % counts[level]]


def _status(rng: np.random.Generator, raised: np.ndarray, limit: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Completion date (NaT unless done by the extract date) and status of each action."""
    n = len(raised)
    fate = rng.random(n)
    dropped = fate < DROPPED_SHARE
    stalled = (fate >= DROPPED_SHARE) & (fate < DROPPED_SHARE + STALLED_SHARE)
    completed = after_days(raised, lognormal_days(rng, COMPLETION_MEDIAN_DAYS, 0.7, n))
    completed = np.where(dropped | stalled | (completed > limit), NAT, completed)
    started = rng.random(n) < STARTED_SHARE
    status = np.select([~np.isnat(completed), dropped, started], ["done", "dropped", "in_progress"], default="open")
    return completed, status.astype(object)


def draw_actions(rng: np.random.Generator, reviews: pd.DataFrame, extract_date: date) -> pd.DataFrame:
    """Improvement actions of each review: a theme of the review, an owner role, due and completion dates.

    Actions not raised by the extract date are left out; due dates may lie after it (actions not yet due).
    """
    limit = np.datetime64(extract_date)
    source = np.repeat(np.arange(len(reviews)), categorical(rng, len(reviews), ACTIONS_PER_REVIEW_MIX))
    n = len(source)
    has_theme = np.column_stack([has_label(reviews["themes"], t)[source] for t in schema.REVIEW_THEMES])
    theme = pick_subsets(rng, np.where(has_theme, 0.0, -np.inf), np.ones(n, dtype=int)).argmax(axis=1)
    level = categorical(rng, n, SYSTEM_LEVEL_MIX)
    raised = after_days(reviews["date_review"].to_numpy(dtype="datetime64[D]")[source], rng.integers(0, 11, n))
    due = after_days(raised, np.asarray(DUE_AFTER_DAYS)[categorical(rng, n, DUE_MIX)])
    completed, status = _status(rng, raised, limit)
    actions = pd.DataFrame({
        "review_id": reviews["review_id"].to_numpy()[source], "theme": labels(theme, schema.REVIEW_THEMES),
        "owner_role": _roles(rng, level), "system_level": labels(level, schema.SYSTEM_LEVELS),
        "date_raised": raised, "date_due": due, "date_completed": completed, "status": status,
    })
    actions = actions[(actions["date_raised"] <= pd.Timestamp(limit)).to_numpy()].reset_index(drop=True)
    actions.insert(0, "action_id", sequence_ids("AC", len(actions), 6))
    return actions
