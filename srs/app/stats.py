"""``srs stats`` and ``srs stats curve``: gather a collection's statistics.

The figures taken from the review log come from the statistics caches (answers per study day
and deck, the forgetting curve's sums: :mod:`srs.store.stats_cache`, :mod:`srs.store.curve_cache`),
brought up to date with the log in a write transaction of their own, then read with everything
else in one read transaction (a consistent snapshot). A cache that does not hold every review
then (it could not be written, or an answer came in between) is not used: the figures are read
from the log itself, as :func:`log_figures_from_log` and :func:`curve_sums_from_log` do, with the
same result. The rest is the SQL of :mod:`srs.store.stats` and the pure functions of
:mod:`srs.domain.stats`. Study days follow the time zone and day-start hour of the preset of the
deck asked for (the one preset of its sub-decks when the name is only their parent; otherwise
Default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from srs.domain.forgetting import DEFAULT_DECAY, decay_of
from srs.domain.forgetting_curve import CardCurve, CurveReport, card_curve, retrievability
from srs.domain.memory_replay import replay_memory
from srs.domain.retention import RetentionCounts, RetentionRow, retention_periods, retention_row
from srs.domain.scheduling import DEFAULT_PARAMETERS
from srs.domain.stats import (
    AT_RISK,
    FORECAST_DAYS,
    Forecast,
    Overview,
    RiskCard,
    day_starts,
    distribution,
    forecast,
    heatmap,
    heatmap_start,
    lowest,
    streak,
)
from srs.domain.stats_sums import continue_curve, curve_from_sums, empty_curve_sums, retention_counts
from srs.domain.study_day_arrays import study_day_numbers
from srs.errors import NotFoundError, SrsError
from srs.store import curve_cache, stats_cache
from srs.store import stats as sql
from srs.store.collection import Collection, Connection, Session
from srs.store.decks import deck_ids
from srs.store.presets import get_preset
from srs.timeutil import as_utc, day_bounds, from_micros, study_day, to_micros

EPOCH_DAY = date(1970, 1, 1)  # study day numbers count days from it (srs.domain.study_days)
MICROS_PER_DAY = 86_400_000_000


def _per_item(keys: np.ndarray, mapping: dict[int, float]) -> np.ndarray:
    """``mapping[key]`` for every key of the int array ``keys``, vectorised."""
    known = np.array(sorted(mapping), dtype=np.int64)
    values_ = np.array([mapping[k] for k in known.tolist()], dtype=np.float64)
    return values_[np.clip(np.searchsorted(known, keys), 0, len(known) - 1)]


def deck_elapsed_days(columns: dict[str, np.ndarray], day_rules: dict[int, tuple[str, int]]) -> np.ndarray:
    """Study days since each review's previous one (-1 at a card's first), each in the zone and
    day-start hour of its deck's preset: the memory model's elapsed time."""
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


@dataclass(frozen=True)
class _LogFigures:
    """What ``srs stats`` takes from the review log (answers only; manual entries are not)."""

    calendar_end: date  # the heatmap's last day: today, or the last study day of a history that stopped
    retention: list[RetentionRow]
    studied: list[bool]  # whether each study day from the first review to today had a review
    per_day: dict[date, int]  # answers per study day of the heatmap
    total_reviews: int


def overview(collection: Collection, *, now: datetime, deck: str | None = None) -> Overview:
    """Everything ``srs stats`` shows, for the collection or one deck (with its sub-decks)."""
    now = as_utc(now)
    with collection.read() as session:
        ids = deck_ids(session, deck)
        preset = sql.scope_preset(session, deck, ids) or get_preset(session)
        tz, hour = preset.timezone, preset.day_start_hour
    stats_cache.refresh(collection, lambda connection: stats_cache.refresh_days(connection, tz, hour))
    today = study_day(now, tz, hour)
    with collection.read() as session:
        log = _log_figures(session, ids, tz, hour, today)
        reviews_today, time_today = sql.activity(session, ids, *(to_micros(t) for t in day_bounds(now, tz, hour)))
        cards = sql.card_counts(session, ids)
        coming = _forecast(session, ids, today, tz, hour)
        r_now, at_risk = _memory_now(session, ids, now)
    return Overview(
        generated_at=now,
        deck=deck,
        timezone=tz,
        day_start_hour=hour,
        today=today,
        cards=cards,
        total_reviews=log.total_reviews,
        reviews_today=reviews_today,
        time_today_ms=time_today,
        streak=streak([int(flag) for flag in log.studied]),
        retention=log.retention,
        forecast=coming,
        heatmap=heatmap(log.calendar_end, log.per_day),
        retrievability=distribution(r_now),
        at_risk=at_risk,
    )


def _log_figures(session: Session, ids: list[int] | None, tz: str, hour: int, today: date) -> _LogFigures:
    """From the answers per study day (the cache) when it holds every review, else from the log."""
    connection = session.connection()
    if stats_cache.days_current(connection, tz, hour):
        return log_figures_from_days(stats_cache.day_totals(connection, tz, hour, ids), tz, hour, today)
    return log_figures_from_log(session, ids, tz, hour, today)


def _calendar_end(today: date, last: date | None) -> date:
    """The windows follow the data: a history that ended before the last 26 weeks is shown up
    to its last study day (an empty calendar and a table of dashes say nothing)."""
    return last if last is not None and last < heatmap_start(today) else today


def log_figures_from_days(days: dict[str, np.ndarray], tz: str, hour: int, today: date) -> _LogFigures:
    """The log's figures from the answers per study day (:func:`srs.store.stats_cache.day_totals`)."""
    number = days["day"]
    last = EPOCH_DAY + timedelta(days=int(number[-1])) if len(number) else None
    calendar_end = _calendar_end(today, last)

    def sums(start: int | None, end: int | None) -> RetentionCounts:
        inside = (number >= (start if start is not None else number.min(initial=0))) & (number < (end if end is not None else number.max(initial=0) + 1))
        return retention_counts(*(int(days[name][inside].sum()) for name in ("counted", "passed", "mature", "mature_passed")))

    def day_of(micros: int | None) -> int | None:
        return None if micros is None else (study_day(from_micros(micros), tz, hour) - EPOCH_DAY).days

    retention = [retention_row(p, sums(day_of(p.start), day_of(p.end))) for p in retention_periods(calendar_end, tz, hour)]
    studied: list[bool] = []
    if len(number):
        first = min(EPOCH_DAY + timedelta(days=int(number[0])), today)
        had = set(number[days["reviews"] > 0].tolist())
        studied = [(first - EPOCH_DAY).days + i in had for i in range((today - first).days + 1)]
    start = heatmap_start(calendar_end)
    counts = dict(zip(number.tolist(), days["reviews"].tolist(), strict=True))
    per_day = {start + timedelta(days=i): counts.get((start - EPOCH_DAY).days + i, 0) for i in range((calendar_end - start).days + 1)}
    return _LogFigures(calendar_end, retention, studied, per_day, int(days["reviews"].sum()))


def log_figures_from_log(session: Session, ids: list[int] | None, tz: str, hour: int, today: date) -> _LogFigures:
    """The log's figures read from the review log itself (no cache)."""
    last = sql.last_review(session, ids)
    calendar_end = _calendar_end(today, None if last is None else study_day(from_micros(last), tz, hour))
    # Retention: short periods through the time index, the long ones in one scan.
    periods = {p.key: p for p in retention_periods(calendar_end, tz, hour)}
    all_time, last_year = sql.retention_counts_scan(session, ids, periods["last_365_days"].start)  # type: ignore[arg-type]
    counts = {"all_time": all_time, "last_365_days": last_year}
    for key in ("today", "yesterday", "last_7_days", "last_30_days"):
        counts[key] = sql.retention_counts(session, ids, periods[key].start, periods[key].end)  # type: ignore[arg-type]
    first = sql.first_review(session, ids)
    studied: list[bool] = []
    if first is not None:
        first_day = min(study_day(from_micros(first), tz, hour), today)
        studied = sql.reviewed_between(session, ids, day_starts(first_day, (today - first_day).days + 1, tz, hour))
    start = heatmap_start(calendar_end)
    per_day = sql.review_counts_between(session, ids, day_starts(start, (calendar_end - start).days + 1, tz, hour))
    by_date = {start + timedelta(days=i): n for i, n in enumerate(per_day)}
    retention = [retention_row(p, counts[p.key]) for p in periods.values()]
    return _LogFigures(calendar_end, retention, studied, by_date, sql.review_count(session, ids))


def _forecast(session: Session, ids: list[int] | None, today: date, tz: str, hour: int) -> Forecast:
    """Due per study day for the next FORECAST_DAYS days, and the overdue cards."""
    boundaries = day_starts(today, FORECAST_DAYS, tz, hour)
    due, state = sql.due_columns(session, ids, boundaries[0], boundaries[-1])
    return forecast(today, boundaries, due, state, sql.overdue_count(session, ids, boundaries[0]))


def _memory_now(session: Session, ids: list[int] | None, now: datetime) -> tuple[np.ndarray, list[RiskCard]]:
    """Retrievability of every reviewed card now, and the active cards at most risk."""
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
    details = sql.card_summaries(session, [card_id for card_id, _ in risky])
    where = np.flatnonzero(np.isin(memory["card_id"], list(details)))
    position = dict(zip(memory["card_id"][where].tolist(), where.tolist(), strict=True))
    at_risk = [
        RiskCard(
            card_id=card_id,
            deck=details[card_id]["deck"],
            front=details[card_id]["front"],
            retrievability=value,
            stability=float(memory["stability"][position[card_id]]),
            last_review=from_micros(int(memory["last_review"][position[card_id]])),
            due=None if details[card_id]["due"] is None else from_micros(details[card_id]["due"]),
        )
        for card_id, value in risky
    ]
    return r_now, at_risk


def curve(collection: Collection, *, now: datetime, deck: str | None = None) -> CurveReport:
    """The forgetting curve of the collection's (or a deck's) whole review log.

    The stability before each review is replayed from the log with the preset's current
    parameters, so the prediction is the current model's (the one ``srs optimize`` scores);
    while the parameters are those the reviews were scheduled with, it is exactly the
    stability logged with the previous review. The sums come from the curve's cache
    (:mod:`srs.store.curve_cache`), brought up to date first; the log itself is read only
    when the cache cannot be written.
    """
    stats_cache.refresh(collection, curve_cache.refresh_curve)
    with collection.read() as session:
        ids = deck_ids(session, deck)
        parameters = sql.deck_parameters(session, ids)
        connection = session.connection()
        sums = curve_cache.bin_sums(connection, ids) if curve_cache.curve_current(connection) else curve_sums_from_log(connection, ids)
    presets = sorted(set(parameters.values())) or [DEFAULT_PARAMETERS]
    return CurveReport(as_utc(now), deck, sorted({decay_of(p) for p in presets}), curve_from_sums(sums))


def curve_sums_from_log(connection: Connection, ids: list[int] | None) -> dict[str, np.ndarray]:
    """The curve's sums of decks ``ids`` (None: all) read from the whole log (no cache)."""
    _fingerprint, parameters, rules = curve_cache.settings(connection)
    log = curve_cache.log_after(connection, 0, stats_cache.newest_review_id(connection))
    step = continue_curve(log, curve_cache.no_states(), parameters, rules) if len(log["card_id"]) else None
    if step is None:
        return empty_curve_sums()
    inside = np.ones(len(step.sums["deck_id"]), dtype=bool) if ids is None else np.isin(step.sums["deck_id"], ids)
    return {name: values[inside] for name, values in step.sums.items()}


def card_history(collection: Collection, card_id: int, *, now: datetime) -> CardCurve:
    """One card's predicted retrievability across its review history (``srs stats curve --card``).

    As for the whole curve, the card's stability and difficulty after each review are
    replayed with its preset's current parameters.
    """
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
