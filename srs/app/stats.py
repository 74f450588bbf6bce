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
from srs.domain.retrievability_bins import base_limits, factor_of
from srs.domain.scheduling import DEFAULT_PARAMETERS
from srs.domain.stats import (
    AT_RISK,
    FORECAST_DAYS,
    RETRIEVABILITY_BINS,
    Distribution,
    Forecast,
    Overview,
    RiskCard,
    day_starts,
    distribution_from_counts,
    forecast_from_counts,
    heatmap,
    heatmap_start,
    lowest,
    streak,
)
from srs.domain.stats_sums import continue_curve, curve_from_sums, empty_curve_sums, retention_counts
from srs.domain.study_day_arrays import study_day_numbers
from srs.errors import NotFoundError, SrsError
from srs.store import curve_cache, stats_cache, stats_cards
from srs.store import stats as sql
from srs.store.database import Connection, Database
from srs.store.deck_names import deck_ids
from srs.store.settings import day_settings
from srs.timeutil import as_utc, day_bounds, from_micros, study_day, to_micros

EPOCH_DAY = date(1970, 1, 1)  # study day numbers count days from it (srs.domain.study_days)
MICROS_PER_DAY = 86_400_000_000


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


def overview(collection: Database, *, now: datetime, deck: str | None = None) -> Overview:
    """Everything ``srs stats`` shows, for the collection or one deck (with its sub-decks),
    through Core (``collection`` may be a :class:`Database`: no ORM needed)."""
    now = as_utc(now)
    with collection.read_core() as connection:
        ids = deck_ids(connection, deck)
        tz, hour = sql.scope_day_rule(connection, deck, ids) or day_settings(connection)
    stats_cache.refresh(collection, lambda connection: stats_cache.refresh_days(connection, tz, hour))
    today = study_day(now, tz, hour)
    with collection.read_core() as connection:
        log = _log_figures(connection, ids, tz, hour, today)
        reviews_today, time_today = sql.activity(connection, ids, *(to_micros(t) for t in day_bounds(now, tz, hour)))
        cards = stats_cards.card_counts(connection, ids)
        coming = _forecast(connection, ids, today, tz, hour)
        r_now, at_risk = _memory_now(connection, ids, now)
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
        retrievability=r_now,
        at_risk=at_risk,
    )


def _log_figures(connection: Connection, ids: list[int] | None, tz: str, hour: int, today: date) -> _LogFigures:
    """From the answers per study day (the cache) when it holds every review, else from the log."""
    if stats_cache.days_current(connection, tz, hour):
        return log_figures_from_days(stats_cache.day_totals(connection, tz, hour, ids), tz, hour, today)
    return log_figures_from_log(connection, ids, tz, hour, today)


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


def log_figures_from_log(connection: Connection, ids: list[int] | None, tz: str, hour: int, today: date) -> _LogFigures:
    """The log's figures read from the review log itself (no cache)."""
    last = sql.last_review(connection, ids)
    calendar_end = _calendar_end(today, None if last is None else study_day(from_micros(last), tz, hour))
    # Retention: short periods through the time index, the long ones in one scan.
    periods = {p.key: p for p in retention_periods(calendar_end, tz, hour)}
    all_time, last_year = sql.retention_counts_scan(connection, ids, periods["last_365_days"].start)  # type: ignore[arg-type]
    counts = {"all_time": all_time, "last_365_days": last_year}
    for key in ("today", "yesterday", "last_7_days", "last_30_days"):
        counts[key] = sql.retention_counts(connection, ids, periods[key].start, periods[key].end)  # type: ignore[arg-type]
    first = sql.first_review(connection, ids)
    studied: list[bool] = []
    if first is not None:
        first_day = min(study_day(from_micros(first), tz, hour), today)
        studied = sql.reviewed_between(connection, ids, day_starts(first_day, (today - first_day).days + 1, tz, hour))
    start = heatmap_start(calendar_end)
    per_day = sql.review_counts_between(connection, ids, day_starts(start, (calendar_end - start).days + 1, tz, hour))
    by_date = {start + timedelta(days=i): n for i, n in enumerate(per_day)}
    retention = [retention_row(p, counts[p.key]) for p in periods.values()]
    return _LogFigures(calendar_end, retention, studied, by_date, sql.review_count(connection, ids))


def _forecast(connection: Connection, ids: list[int] | None, today: date, tz: str, hour: int) -> Forecast:
    """Due per study day for the next FORECAST_DAYS days, and the overdue cards."""
    overdue, review, learning = stats_cards.due_per_day(connection, ids, day_starts(today, FORECAST_DAYS, tz, hour))
    return forecast_from_counts(today, review, learning, overdue)


def _decay_groups(ids: list[int] | None, decays: dict[int, float]) -> list[tuple[float, list[int] | None]]:
    """The decks in scope by their presets' DECAY: ``[(decay, deck ids)]`` (one group of all
    decks ``ids`` when they share one)."""
    distinct = sorted(set(decays.values()))
    if len(distinct) <= 1:
        return [(distinct[0] if distinct else DEFAULT_DECAY, ids)]
    return [(decay, sorted(d for d, value in decays.items() if value == decay)) for decay in distinct]


def _memory_now(connection: Connection, ids: list[int] | None, now: datetime) -> tuple[Distribution, list[RiskCard]]:
    """Retrievability of every reviewed card now (counted per bin by the database), and the
    active cards at most risk.

    Fractional days, as Anki's card info and browser compute retrievability now (rslib:
    current_retrievability_seconds); study days are the memory model's update only."""
    groups = _decay_groups(ids, sql.deck_decays(connection, ids))
    at = to_micros(now)
    sums = [stats_cards.retrievability_sums(connection, scope, at, d, factor_of(d), base_limits(d, RETRIEVABILITY_BINS)) for d, scope in groups]
    counts = [sum(column) for column in zip(*(part.counts for part in sums), strict=True)]
    risky = _at_risk(connection, groups, at)
    details = sql.card_summaries(connection, [card_id for card_id, *_ in risky])
    at_risk = [
        RiskCard(
            card_id=card_id,
            deck=details[card_id]["deck"],
            front=details[card_id]["front"],
            retrievability=value,
            stability=stability,
            last_review=from_micros(last),
            due=None if details[card_id]["due"] is None else from_micros(details[card_id]["due"]),
        )
        for card_id, value, stability, last in risky
    ]
    return distribution_from_counts(counts, sum(part.total for part in sums)), at_risk


def _at_risk(connection: Connection, groups: list[tuple[float, list[int] | None]], at: int) -> list[tuple[int, float, float, int]]:
    """``(card id, retrievability, stability, last review)`` of the AT_RISK active cards of
    lowest retrievability (ties: lower id first). The database gives each decay group's cards
    of largest B; their R is computed here as for every card before. A card left out has a B
    at most its group's last candidate's, so an R at least that one's: while that R is above
    the AT_RISK-th lowest, no card left out could be among them (else ask for more)."""
    limit = AT_RISK + 10
    while True:
        rows: list[tuple[int, float, int, float]] = []
        tails = []
        for decay, scope in groups:
            found = stats_cards.least_retained(connection, scope, at, factor_of(decay), limit)
            rows += [(*row, decay) for row in found]
            if len(found) == limit:
                tails.append(len(rows) - 1)
        card_ids = np.array([row[0] for row in rows], dtype=np.int64)
        stability = np.array([row[1] for row in rows], dtype=np.float64)
        last = np.array([row[2] for row in rows], dtype=np.int64)
        decays = np.array([row[3] for row in rows], dtype=np.float64) if len(groups) > 1 else groups[0][0]
        r_now = retrievability(stability, (at - last) / MICROS_PER_DAY, decays)
        risky = lowest(card_ids, r_now, AT_RISK)
        if all(r_now[tail] > risky[-1][1] for tail in tails):
            where = {int(card_id): i for i, card_id in enumerate(card_ids.tolist())}
            return [(card_id, value, float(stability[where[card_id]]), int(last[where[card_id]])) for card_id, value in risky]
        limit *= 4


def curve(collection: Database, *, now: datetime, deck: str | None = None) -> CurveReport:
    """The forgetting curve of the collection's (or a deck's) whole review log.

    The stability before each review is replayed from the log with the preset's current
    parameters, so the prediction is the current model's (the one ``srs optimize`` scores);
    while the parameters are those the reviews were scheduled with, it is exactly the
    stability logged with the previous review. The sums come from the curve's cache
    (:mod:`srs.store.curve_cache`), brought up to date first; the log itself is read only
    when the cache cannot be written.
    """
    stats_cache.refresh(collection, curve_cache.refresh_curve)
    with collection.read_core() as connection:
        ids = deck_ids(connection, deck)
        parameters = sql.deck_parameters(connection, ids)
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


def card_history(collection: Database, card_id: int, *, now: datetime) -> CardCurve:
    """One card's predicted retrievability across its review history (``srs stats curve --card``).

    As for the whole curve, the card's stability and difficulty after each review are
    replayed with its preset's current parameters.
    """
    now = as_utc(now)
    with collection.read_core() as connection:
        details = sql.card_summaries(connection, [card_id]).get(card_id)
        if details is None:
            raise NotFoundError(f"no card with id {card_id}")
        parameters = sql.deck_parameters(connection, [details["deck_id"]])[details["deck_id"]]
        rule = sql.deck_study_days(connection, [details["deck_id"]])[details["deck_id"]]
        log = sql.card_log(connection, card_id)
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
