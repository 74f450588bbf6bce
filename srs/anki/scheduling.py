"""srs's scheduling in Anki's terms, for ``srs export --apkg`` (with scheduling, the default)
and for reading it back in ``srs import-anki``. Pure: no I/O, no clock (``now`` is a parameter).

What Anki keeps per card (rslib ``cards`` table) and how srs's memory state maps to it:

* ``type``/``queue``: new 0/0, learning 1/1, review 2/2, relearning 3/1; a (re)learning
  step of a day or more is Anki's "interday learning" queue 3; suspended: queue -1;
  buried (``buried_until`` still ahead): queue -3 (buried by the user; Anki unburies it at
  its next day rollover);
* ``due``: new cards their position; learning steps the epoch second they are due; review
  and interday learning cards the day number counted from the collection's creation day
  (``crt``, which the export sets to the start of the study day of the export: day 0), so
  the due day is the same study day as srs's (Anki shifts it by the difference of the two
  collections' days when it imports the package);
* ``ivl``: the whole days between the last review's study day and the due study day;
  ``reps``, ``lapses`` as srs counts them; ``left``: the learning steps still to go;
* ``data``: the FSRS memory state as Anki stores it, ``{"s": stability, "d": difficulty
  (1-10), "dr": desired retention, "decay": w20, "lrt": last review (epoch seconds)}`` plus
  custom data ``"cd": {"srs": <card id>, "t": <export time>, "h": <fingerprint>}`` (Anki keeps custom data
  through reviews, syncs and exports), so ``srs import-anki`` finds the srs card again, and
  a note changed in Anki after the export (its ``mod`` later than ``t``) whose text is not
  what the export writes today is reported (:func:`srs.app.anki_roundtrip.text_changed`).

Each srs answer becomes a ``revlog`` row: id = the answer's epoch millisecond (made unique in
the package by moving a clash 1 ms later), ``ease`` = the rating, ``type`` = learn (0),
review (1) or relearn (2) by the state the card was in, ``ivl``/``lastIvl`` in days (>0) or
negative seconds for learning steps, ``time`` = the duration in ms.

Each preset becomes an Anki deck-options preset (``dconf``) with srs's FSRS parameters,
desired retention, steps, limits and maximum interval.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from srs.domain.cards import CardState
from srs.domain.scheduling import MemoryState
from srs.timeutil import study_day, to_micros

NEW, LEARNING, REVIEW, RELEARNING = CardState.NEW, CardState.LEARNING, CardState.REVIEW, CardState.RELEARNING
# Anki's card types (cards.type) have the same numbers as srs's states.
QUEUE_SUSPENDED = -1
QUEUE_USER_BURIED = -3
QUEUE_INTERDAY_LEARNING = 3
CUSTOM_DATA_KEY = "srs"
STAMP_KEY = "t"
FINGERPRINT_KEY = "h"
DAY_SECONDS = 86_400.0
# A package's answers and srs's log are the same answer when their times are this close (the
# export moves a clash of two answers in the same millisecond 1 ms later).
SAME_ANSWER_MS = 1_000


@dataclass(frozen=True)
class DayClock:
    """Study days of one preset: Anki's day numbers are counted from ``day_zero``."""

    timezone: str
    day_start_hour: int
    day_zero: date

    def day(self, when: datetime) -> int:
        return (study_day(when, self.timezone, self.day_start_hour) - self.day_zero).days


@dataclass(frozen=True)
class CardSchedule:
    """What an export writes of one card (the srs side): its memory state and flags."""

    card_id: int
    memory: MemoryState
    suspended: bool
    buried_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class AnkiCardColumns:
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    data: str


def fingerprint(card_id: int, created_at: datetime) -> str:
    """A short hash of a card's id and creation instant (to the microsecond, never changed),
    so that a package from another collection, whose card ids are the same small numbers,
    is never taken for this collection's cards (an ``export --json`` / ``import-json`` copy
    keeps both, and is the same collection)."""
    return hashlib.sha1(f"{card_id}:{to_micros(created_at)}".encode()).hexdigest()[:10]


def custom_data(card_id: int, exported_at: int, card_fingerprint: str) -> str:
    """Anki custom data naming the srs card and when it was exported (epoch seconds)."""
    values = {CUSTOM_DATA_KEY: card_id, STAMP_KEY: exported_at, FINGERPRINT_KEY: card_fingerprint}
    return json.dumps(values, separators=(",", ":"))


def _positive_int(value: object, limit: int) -> int | None:
    # Card ids fit a 32-bit INTEGER column: damaged data names no card (and no query fails).
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < limit else None


def srs_custom_data(data: str) -> tuple[int, int, str] | None:
    """``(srs card id, export time in epoch seconds or 0, fingerprint)`` from an Anki card's
    ``data`` column (the custom data an srs export wrote), or None."""
    try:
        outer = json.loads(data or "{}")
        inner = outer.get("cd") if isinstance(outer, dict) else None
        values = json.loads(inner) if isinstance(inner, str) else None
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    card_id = _positive_int(values.get(CUSTOM_DATA_KEY), 2**31)
    if card_id is None:
        return None
    return card_id, _positive_int(values.get(STAMP_KEY), 2**40) or 0, str(values.get(FINGERPRINT_KEY, ""))


def card_columns(card: CardSchedule, *, position: int, clock: DayClock, now: datetime, steps: int, retention: float, decay: float | None) -> AnkiCardColumns:
    """The Anki ``cards`` columns for ``card`` (see the module docstring)."""
    memory = card.memory
    data: dict[str, Any] = {}
    if memory.stability is not None and memory.difficulty is not None:
        data.update(s=round(memory.stability, 6), d=round(memory.difficulty, 6), dr=retention)
        if decay is not None:
            data["decay"] = decay
    if memory.last_review is not None:
        data["lrt"] = int(memory.last_review.timestamp())
    data["cd"] = custom_data(card.card_id, int(now.timestamp()), fingerprint(card.card_id, card.created_at))
    type_, queue, due, ivl, left = 0, 0, position, 0, 0  # Anki's type and queue of a new card
    if memory.state != NEW and memory.due is not None and memory.last_review is not None:
        due_day, last_day = clock.day(memory.due), clock.day(memory.last_review)
        if memory.state == REVIEW:
            type_, queue, due, ivl = 2, 2, due_day, max(1, due_day - last_day)
        else:
            type_ = 1 if memory.state == LEARNING else 3
            left = max(1, steps - (memory.step or 0))
            interday = (memory.due - memory.last_review).total_seconds() >= DAY_SECONDS
            queue, due = (QUEUE_INTERDAY_LEARNING, due_day) if interday else (1, int(memory.due.timestamp()))
            ivl = max(1, round(memory.stability)) if memory.state == RELEARNING and memory.stability else 0
    if card.suspended:
        queue = QUEUE_SUSPENDED
    elif card.buried_until is not None and card.buried_until > now:
        queue = QUEUE_USER_BURIED
    factor = 0 if type_ in (0, 1) else 2500  # new and learning cards have no ease in Anki
    return AnkiCardColumns(type_, queue, due, ivl, factor, memory.reps, memory.lapses, left, json.dumps(data, separators=(",", ":")))


@dataclass(frozen=True)
class LoggedAnswer:
    """One row of srs's review log, as an export needs it."""

    rating: int
    reviewed_at: datetime
    duration_ms: int | None
    state_before: int
    state: int
    scheduled_days: float


def _ivl(state: int, days: float) -> int:
    """Anki's revlog interval: whole days for a review, negative seconds for a learning step."""
    if state == REVIEW:
        return max(1, round(days))
    return -max(1, round(days * DAY_SECONDS))


# Anki's revlog type of an answer given in each srs state: learn, review, relearn.
_REVLOG_KIND: dict[int, int] = {NEW: 0, LEARNING: 0, REVIEW: 1, RELEARNING: 2}


def revlog_rows(anki_card_id: int, answers: Sequence[LoggedAnswer], taken: set[int]) -> list[tuple[int, ...]]:
    """Anki ``revlog`` rows ``(id, cid, usn, ease, ivl, lastIvl, factor, time, type)``; ``taken``
    holds the ids already used in the package (updated)."""
    rows: list[tuple[int, ...]] = []
    last_ivl = 0
    for answer in answers:
        revlog_id = math.floor(answer.reviewed_at.timestamp() * 1000)
        while revlog_id in taken:
            revlog_id += 1
        taken.add(revlog_id)
        kind = _REVLOG_KIND.get(answer.state_before, 0)
        ivl = _ivl(answer.state, answer.scheduled_days)
        factor = 0 if answer.state_before in (NEW, LEARNING) else 2500
        rows.append((revlog_id, anki_card_id, 0, answer.rating, ivl, last_ivl, factor, max(0, answer.duration_ms or 0), kind))
        last_ivl = ivl
    return rows


@dataclass(frozen=True)
class PresetOptions:
    """What an Anki deck-options preset takes from an srs preset."""

    name: str
    parameters: tuple[float, ...]
    desired_retention: float
    learning_steps: tuple[int, ...]
    relearning_steps: tuple[int, ...]
    maximum_interval: int
    new_per_day: int
    reviews_per_day: int
    bury_siblings: bool
    leech_threshold: int


def deck_config(config_id: int, preset: PresetOptions, template: dict[str, Any], mod: int) -> dict[str, Any]:
    """An Anki ``dconf`` entry for ``preset``, built on Anki's defaults in ``template``."""
    config = json.loads(json.dumps(template))
    params = [float(p) for p in preset.parameters]
    config.update(id=config_id, name=f"srs {preset.name}", mod=mod, usn=-1, desiredRetention=preset.desired_retention)
    config["fsrsParams6"] = params if len(params) == 21 else []
    config["fsrsParams5"] = params if len(params) == 19 else []
    config["fsrsWeights"] = params if len(params) == 17 else []
    config.setdefault("new", {}).update(delays=[s / 60 for s in preset.learning_steps], perDay=preset.new_per_day, bury=preset.bury_siblings)
    config.setdefault("rev", {}).update(maxIvl=preset.maximum_interval, perDay=preset.reviews_per_day, bury=preset.bury_siblings)
    config.setdefault("lapse", {}).update(delays=[s / 60 for s in preset.relearning_steps], leechFails=preset.leech_threshold)
    return config


def epoch_ms(when: datetime) -> int:
    return math.floor(when.astimezone(timezone.utc).timestamp() * 1000)


def match_answers(known: Iterable[tuple[int, int]], incoming: Sequence[tuple[int, int]]) -> list[bool]:
    """For each incoming ``(rating, epoch ms)`` answer of a card: is it one of the card's
    ``known`` answers (same rating, at most :data:`SAME_ANSWER_MS` later; each known answer
    matches once)? An answer exported by srs comes back at its own millisecond, or up to a few
    ms later when the export had to move it off another answer's id."""
    pool = sorted(known, key=lambda item: item[1])
    used = [False] * len(pool)
    result: list[bool] = []
    for rating, ms in incoming:
        found = False
        for index, (known_rating, known_ms) in enumerate(pool):
            if not used[index] and known_rating == rating and known_ms <= ms <= known_ms + SAME_ANSWER_MS:
                used[index] = found = True
                break
        result.append(found)
    return result
