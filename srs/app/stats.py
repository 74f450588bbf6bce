"""``srs stats`` and ``srs stats curve``: gather a collection's statistics.

Each function reads in one transaction (a consistent snapshot), takes its figures from the
SQL of :mod:`srs.store.stats` and computes with the pure functions of :mod:`srs.domain.stats`.
Study days follow the time zone and day-start hour of the preset of the deck asked for (the
one preset of its sub-decks when the name is only their parent; otherwise Default).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from srs.domain.forgetting_curve import CardCurve, CurveReport, card_curve, forgetting_curve, retrievability
from srs.domain.memory_replay import replay_memory
from srs.domain.retention import retention_periods, retention_row
from srs.domain.stats import AT_RISK, FORECAST_DAYS, Overview, RiskCard, day_starts, distribution, forecast, heatmap, heatmap_start, lowest, streak
from srs.errors import NotFoundError, SrsError
from srs.store.collection import Collection

if TYPE_CHECKING:
    import numpy as np
from srs.domain.forgetting import DECAY_INDEX, DEFAULT_DECAY, decay_of
from srs.domain.scheduling import DEFAULT_PARAMETERS
from srs.domain.study_day_arrays import study_day_numbers
from srs.store import stats as sql
from srs.store.decks import deck_ids
from srs.store.presets import get_preset
from srs.timeutil import as_utc, day_bounds, from_micros, study_day, to_micros

MICROS_PER_DAY = 86_400_000_000


def _per_item(keys, mapping: dict[int, float]):  # type: ignore[no-untyped-def]
    """``mapping[key]`` for every key of the int array ``keys``, vectorised."""
    import numpy as np

    known = np.array(sorted(mapping), dtype=np.int64)
    values_ = np.array([mapping[k] for k in known.tolist()], dtype=np.float64)
    return values_[np.clip(np.searchsorted(known, keys), 0, len(known) - 1)]


def deck_elapsed_days(columns: dict[str, np.ndarray], day_rules: dict[int, tuple[str, int]]) -> np.ndarray:
    """Study days since each review's previous one (-1 at a card's first), each in the zone and
    day-start hour of its deck's preset: the memory model's elapsed time."""
    import numpy as np

    times, deck_of = columns["reviewed_at"], columns["deck_id"]
    day = np.zeros(len(times), dtype=np.int64)
    for rule in set(day_rules.values()):
        decks = np.array([d for d, r in day_rules.items() if r == rule], dtype=np.int64)
        where = np.isin(deck_of, decks)
        day[where] = study_day_numbers(times[where], *rule)
    elapsed = np.full(len(times), -1, dtype=np.int64)
    if len(times):
        elapsed[1:] = np.maximum(day[1:] - day[:-1], 0)
    elapsed[columns["elapsed_days"] < 0] = -1  # a card's first review
    return elapsed


def overview(collection: Collection, *, now: datetime, deck: str | None = None) -> Overview:
    """Everything ``srs stats`` shows, for the collection or one deck (with its sub-decks)."""

    now = as_utc(now)
    with collection.read() as session:
        ids = deck_ids(session, deck)
        preset = sql.scope_preset(session, deck, ids) or get_preset(session)
        tz, hour = preset.timezone, preset.day_start_hour
        today = study_day(now, tz, hour)
        today_start, today_end = (to_micros(t) for t in day_bounds(now, tz, hour))

        cards = sql.card_counts(session, ids)

        # The windows follow the data: a history that ended before the last 26 weeks is shown
        # up to its last study day (an empty calendar and a table of dashes say nothing).
        calendar_end = today
        last = sql.last_review(session, ids)
        if last is not None and study_day(from_micros(last), tz, hour) < heatmap_start(today):
            calendar_end = study_day(from_micros(last), tz, hour)

        # Retention: short periods through the time index, the long ones in one scan.
        periods = {p.key: p for p in retention_periods(calendar_end, tz, hour)}
        all_time, last_year = sql.retention_counts_scan(session, ids, periods["last_365_days"].start)  # type: ignore[arg-type]
        counts = {"all_time": all_time, "last_365_days": last_year}
        for key in ("today", "yesterday", "last_7_days", "last_30_days"):
            counts[key] = sql.retention_counts(session, ids, periods[key].start, periods[key].end)  # type: ignore[arg-type]
        retention = [retention_row(p, counts[p.key]) for p in periods.values()]

        # Study days: whether each day from the first review has a review (the streak), and
        # the reviews of each day of the heatmap.
        first = sql.first_review(session, ids)
        studied: list[bool] = []
        if first is not None:
            first_day = min(study_day(from_micros(first), tz, hour), today)
            studied = sql.reviewed_between(session, ids, day_starts(first_day, (today - first_day).days + 1, tz, hour))
        calendar_start = heatmap_start(calendar_end)
        per_day = sql.review_counts_between(session, ids, day_starts(calendar_start, (calendar_end - calendar_start).days + 1, tz, hour))
        by_date = {calendar_start + timedelta(days=i): n for i, n in enumerate(per_day)}
        total_reviews = sql.review_count(session, ids)
        reviews_today, time_today = sql.activity(session, ids, today_start, today_end)

        # Forecast: due per study day for the next FORECAST_DAYS days.
        boundaries = day_starts(today, FORECAST_DAYS, tz, hour)
        due, state = sql.due_columns(session, ids, boundaries[0], boundaries[-1])
        overdue = sql.overdue_count(session, ids, boundaries[0])

        # Retrievability of every reviewed card now, and the active cards at most risk.
        decays = sql.deck_decays(session, ids)
        several = len(set(decays.values())) > 1
        memory = sql.memory_columns(session, ids, with_deck=several)
        decay = _per_item(memory["deck_id"], decays) if several else next(iter(decays.values()), DEFAULT_DECAY)
        # Fractional days, as Anki's card info and browser compute retrievability now
        # (rslib: current_retrievability_seconds); study days are the memory model's update only.
        elapsed = (to_micros(now) - memory["last_review"]) / MICROS_PER_DAY
        r_now = retrievability(memory["stability"], elapsed, decay)
        active = ~memory["suspended"]
        risky = lowest(memory["card_id"][active], r_now[active], AT_RISK)
        stability_of = dict(zip(memory["card_id"].tolist(), memory["stability"].tolist(), strict=True))
        last_of = dict(zip(memory["card_id"].tolist(), memory["last_review"].tolist(), strict=True))
        details = sql.card_summaries(session, [card_id for card_id, _ in risky])

    at_risk = [
        RiskCard(
            card_id=card_id,
            deck=details[card_id]["deck"],
            front=details[card_id]["front"],
            retrievability=value,
            stability=stability_of[card_id],
            last_review=from_micros(last_of[card_id]),
            due=None if details[card_id]["due"] is None else from_micros(details[card_id]["due"]),
        )
        for card_id, value in risky
    ]
    return Overview(
        generated_at=now,
        deck=deck,
        timezone=tz,
        day_start_hour=hour,
        today=today,
        cards=cards,
        total_reviews=total_reviews,
        reviews_today=reviews_today,
        time_today_ms=time_today,
        streak=streak([int(flag) for flag in studied]),
        retention=retention,
        forecast=forecast(today, boundaries, due, state, overdue),
        heatmap=heatmap(calendar_end, by_date),
        retrievability=distribution(r_now),
        at_risk=at_risk,
    )


def curve(collection: Collection, *, now: datetime, deck: str | None = None) -> CurveReport:
    """The forgetting curve of the collection's (or a deck's) whole review log.

    The stability before each review is replayed from the log with the preset's current
    parameters, so the prediction is the current model's (the one ``srs optimize`` scores);
    while the parameters are those the reviews were scheduled with, it is exactly the
    stability logged with the previous review.
    """
    import numpy as np

    with collection.read() as session:
        ids = deck_ids(session, deck)
        parameters = sql.deck_parameters(session, ids)
        day_rules = sql.deck_study_days(session, ids)
        presets = sorted(set(parameters.values()))
        columns = sql.curve_columns(session, ids)
    if not presets:  # no deck at all: an empty curve

        presets = [DEFAULT_PARAMETERS]
    table = np.array(presets, dtype=np.float64)
    row = None
    if len(presets) > 1:
        row_of_deck = {deck_id: presets.index(p) for deck_id, p in parameters.items()}
        row = _per_item(columns["deck_id"], {d: float(r) for d, r in row_of_deck.items()}).astype(np.int64)
    days = deck_elapsed_days(columns, day_rules)
    replayed = replay_memory(columns["rating"], days, table, row)
    later = columns["elapsed_days"] >= 0  # reviews after a card's first
    decay = table[row, DECAY_INDEX][later] if row is not None else float(table[0, DECAY_INDEX])
    result = forgetting_curve(
        columns["elapsed_days"][later], replayed.stability_before[later], columns["rating"][later] > 1, decay, study_days=days[later]
    )
    return CurveReport(as_utc(now), deck, sorted({decay_of(p) for p in presets}), result)


def card_history(collection: Collection, card_id: int, *, now: datetime) -> CardCurve:
    """One card's predicted retrievability across its review history (``srs stats curve --card``).

    As for the whole curve, the card's stability and difficulty after each review are
    replayed with its preset's current parameters.
    """
    import numpy as np

    now = as_utc(now)
    with collection.read() as session:
        details = sql.card_summaries(session, [card_id]).get(card_id)
        if details is None:
            raise NotFoundError(f"no card with id {card_id}")
        parameters = sql.deck_parameters(session, [details["deck_id"]])[details["deck_id"]]
        rule = sql.deck_study_days(session, [details["deck_id"]])[details["deck_id"]]
        log = sql.card_log(session, card_id)
    if not log:
        raise SrsError(f"card {card_id} has no reviews yet: its forgetting curve starts at its first review")
    columns = {
        "reviewed_at": np.array([entry[0] for entry in log], dtype=np.int64),
        "deck_id": np.full(len(log), details["deck_id"], dtype=np.int64),
        "elapsed_days": np.array([-1.0 if entry[5] is None else entry[5] for entry in log]),
    }
    days = deck_elapsed_days(columns, {details["deck_id"]: rule})
    replayed = replay_memory(np.array([entry[1] for entry in log]), days, np.array(parameters))
    log = [
        (at, rating, float(s), float(d), state, elapsed, due)
        for (at, rating, _s, _d, state, elapsed, due), s, d in zip(log, replayed.stability_after, replayed.difficulty_after, strict=True)
    ]
    return card_curve(log, card_id=card_id, deck=details["deck"], front=details["front"], decay=decay_of(parameters), now=now, generated_at=now)
