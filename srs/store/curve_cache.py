"""The forgetting curve's cache for ``srs stats curve``: sums per deck and bin, and each card's
replayed memory state, brought up to date from the reviews after the mark (:mod:`srs.store.stats_cache`).

The memory states are replayed with the presets' current parameters and study-day rules, so the
mark's fingerprint is every deck's parameters, zone and day-start hour: a change of any of them
(``srs optimize``, ``srs preset set``, a deck given another preset) rebuilds the cache from the log.
"""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import BigInteger, delete, func, select, true, type_coerce
from sqlalchemy.engine import Connection

from srs.domain.scheduling import MANUAL
from srs.domain.stats_sums import CURVE_COLUMNS, continue_curve
from srs.store.schema import cards, curve_bins, curve_cards, decks, presets, reviews
from srs.store.stats import fetch_matrix
from srs.store.stats_cache import add_sums, mark, newest_review_id, set_mark

NAME = "curve"
CARD_COLUMNS = ("card_id", "stability", "difficulty", "reviewed_at", "day")
IDS_PER_QUERY = 900


def settings(connection: Connection) -> tuple[str, dict[int, tuple[float, ...]], dict[int, tuple[str, int]]]:
    """``(fingerprint, {deck: parameters}, {deck: (zone, day-start hour)})`` of every deck."""
    rows = connection.execute(
        select(decks.c.id, presets.c.parameters, presets.c.timezone, presets.c.day_start_hour).join(presets, presets.c.id == decks.c.preset_id).order_by(decks.c.id)
    ).all()
    parameters = {int(d): tuple(float(p) for p in params) for d, params, _tz, _hour in rows}
    rules = {int(d): (str(tz), int(hour)) for d, _params, tz, hour in rows}
    fingerprint = json.dumps([[d, list(parameters[d]), *rules[d]] for d in sorted(parameters)])
    return fingerprint, parameters, rules


def log_after(connection: Connection, after: int, newest: int) -> dict[str, np.ndarray]:
    """The answers with ids in ``(after, newest]``, card then time order, as arrays."""
    stmt = (
        select(reviews.c.card_id, reviews.c.rating, func.coalesce(reviews.c.elapsed_days, -1.0), type_coerce(reviews.c.reviewed_at, BigInteger), cards.c.deck_id)
        .join(cards, cards.c.id == reviews.c.card_id)
        .where(reviews.c.id > after, reviews.c.id <= newest, reviews.c.rating != MANUAL)
        .order_by(reviews.c.card_id, reviews.c.reviewed_at, reviews.c.id)
    )
    matrix = fetch_matrix(connection, stmt, 5)
    return {
        "card_id": matrix[:, 0].astype(np.int64),
        "rating": matrix[:, 1].astype(np.int64),
        "elapsed_days": matrix[:, 2],
        "reviewed_at": matrix[:, 3].astype(np.int64),
        "deck_id": matrix[:, 4].astype(np.int64),
    }


def no_states() -> dict[str, np.ndarray]:
    """No card's state (every card starts at its first review)."""
    return _as_states(np.zeros((0, len(CARD_COLUMNS))))


def _as_states(matrix: np.ndarray) -> dict[str, np.ndarray]:
    matrix = matrix[np.argsort(matrix[:, 0], kind="stable")]
    states = {name: matrix[:, i] for i, name in enumerate(CARD_COLUMNS)}
    for name in ("card_id", "reviewed_at", "day"):
        states[name] = states[name].astype(np.int64)
    return states


def _states(connection: Connection, card_ids: list[int]) -> dict[str, np.ndarray]:
    """The cached states of these cards, by card id."""
    parts = [np.zeros((0, len(CARD_COLUMNS)))]
    for start in range(0, len(card_ids), IDS_PER_QUERY):
        chunk = card_ids[start : start + IDS_PER_QUERY]
        stmt = select(*(curve_cards.c[name] for name in CARD_COLUMNS)).where(curve_cards.c.card_id.in_(chunk))
        parts.append(fetch_matrix(connection, stmt, len(CARD_COLUMNS)))
    return _as_states(np.concatenate(parts))


def _clear(connection: Connection) -> None:
    connection.execute(delete(curve_bins))
    connection.execute(delete(curve_cards))


def refresh_curve(connection: Connection) -> None:
    """Bring the curve's sums and the cards' states up to date with the log."""
    fingerprint, parameters, rules = settings(connection)
    newest = newest_review_id(connection)
    known = mark(connection, NAME)
    if known is not None and known[1] == fingerprint and known[0] >= newest:
        return
    after = known[0] if known is not None and known[1] == fingerprint else 0
    if not after:
        _clear(connection)
    log = log_after(connection, after, newest)
    prior = _states(connection, np.unique(log["card_id"]).tolist()) if after else no_states()
    step = continue_curve(log, prior, parameters, rules) if len(log["card_id"]) else None
    if step is None and len(log["card_id"]):  # a review older than its card's state: from the log
        _clear(connection)
        after = 0
        step = continue_curve(log_after(connection, 0, newest), no_states(), parameters, rules)
    if step is not None:
        add_sums(connection, curve_bins, step.sums, ["deck_id", "k", "long_term"], fresh=not after)
        add_sums(connection, curve_cards, step.cards, ["card_id"], replace=True, fresh=not after)
    set_mark(connection, NAME, newest, fingerprint)


def curve_current(connection: Connection) -> bool:
    """Whether the cache holds every review, with the presets' current settings."""
    known = mark(connection, NAME)
    return known is not None and known[1] == settings(connection)[0] and known[0] >= newest_review_id(connection)


def bin_sums(connection: Connection, ids: list[int] | None) -> dict[str, np.ndarray]:
    """The curve's sums of decks ``ids`` (None: all), per bin and long-term flag."""
    where = true() if ids is None else curve_bins.c.deck_id.in_(ids)
    summed = [func.sum(curve_bins.c[name]) for name in CURVE_COLUMNS[:6]]
    stmt = (
        select(curve_bins.c.k, curve_bins.c.long_term, *summed, func.min(curve_bins.c.elapsed_min), func.max(curve_bins.c.elapsed_max))
        .where(where)
        .group_by(curve_bins.c.k, curve_bins.c.long_term)
    )
    matrix = fetch_matrix(connection, stmt, 2 + len(CURVE_COLUMNS))
    sums = {"k": matrix[:, 0].astype(np.int64), "long_term": matrix[:, 1].astype(np.int64)}
    sums.update({name: matrix[:, 2 + i] for i, name in enumerate(CURVE_COLUMNS)})
    return sums
