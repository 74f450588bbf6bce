"""Review histories from elsewhere as CSV: rows -> review records. Pure: no I/O, no clock.

The format is the one of py-fsrs's test data and of the FSRS optimizer's ``revlog.csv``::

    card_id,review_rating,review_time,review_duration
    1711684180217,1,2024-03-29T20:32:32.250000+00:00,25060

* ``card_id``: the card's id where the history comes from (any text up to 100 characters);
* ``review_rating``: 1 Again, 2 Hard, 3 Good, 4 Easy;
* ``review_time``: an ISO-8601 time with a UTC offset, or whole milliseconds since the Unix
  epoch (Anki's revlog ids, the FSRS optimizer's CSV);
* ``review_duration``: milliseconds spent on the answer (optional column; empty = unknown).

Columns are found by name in the header (any order, case-insensitive); other columns (such
as ``review_state``) are ignored. A row that cannot be read is reported with its line number
and skipped; a file without the required columns is refused as a whole.

A mapping file (``--map``) attaches histories to existing cards instead of placeholders::

    card_id,srs_card_id
    1711684180217,42
"""

from __future__ import annotations

import csv
import io
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from srs.errors import SrsError
from srs.text import ECHO_LIMIT, clipped, plural
from srs.timeutil import LATEST_TIME, from_micros, to_micros

REQUIRED_COLUMNS = ("card_id", "review_rating", "review_time")
OPTIONAL_COLUMNS = ("review_duration",)
MAP_COLUMNS = ("card_id", "srs_card_id")
MAX_CARD_ID_LENGTH = 100  # Card.external_id
MAX_DURATION_MS = 2**31 - 1  # an INTEGER column on every database
# Times before this are refused: almost certainly seconds given where milliseconds are expected.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class RevlogRecord:
    """One review of the CSV: ``line`` is its line number in the file (1 = the header)."""

    line: int
    card_id: str
    rating: int
    reviewed_at: datetime  # UTC
    duration_ms: int | None


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


NO_DURATION = -1


def _column(typecode: str) -> array:
    return array(typecode)


@dataclass
class RevlogRows:
    """What a revlog file holds: its readable reviews as compact columns (a million rows take
    tens of megabytes, not hundreds), and the rows that were not readable."""

    card_ids: list[str] = field(default_factory=list)  # distinct, in order of first appearance
    card: array = field(default_factory=lambda: _column("q"))  # per review: index into card_ids
    rating: array = field(default_factory=lambda: _column("b"))
    micros: array = field(default_factory=lambda: _column("q"))  # UTC microseconds
    duration: array = field(default_factory=lambda: _column("q"))  # ms, NO_DURATION if unknown
    line: array = field(default_factory=lambda: _column("q"))
    problems: list[RowProblem] = field(default_factory=list)  # by line
    data_rows: int = 0  # non-blank rows after the header

    def __len__(self) -> int:
        return len(self.card)

    def record(self, index: int) -> RevlogRecord:
        duration = self.duration[index]
        return RevlogRecord(
            self.line[index],
            self.card_ids[self.card[index]],
            self.rating[index],
            from_micros(self.micros[index]),
            None if duration == NO_DURATION else duration,
        )

    @property
    def records(self) -> list[RevlogRecord]:
        """Every readable review as a record, in file order."""
        return [self.record(index) for index in range(len(self))]

    def _numpy(self, name: str) -> np.ndarray:
        column = getattr(self, name)
        return np.frombuffer(column, dtype=np.int8 if column.typecode == "b" else np.int64)

    def _by_card_and_time(self) -> np.ndarray:
        return np.lexsort((self._numpy("line"), self._numpy("micros"), self._numpy("card")))

    def histories(self) -> list[tuple[str, list[int]]]:
        """``(card_id, indices of its reviews, oldest first)`` per card, cards in order of first
        appearance (card indices are given in that order)."""
        if not len(self):
            return []
        order = self._by_card_and_time()
        cards = self._numpy("card")[order]
        starts = np.flatnonzero(np.diff(cards)) + 1
        return [(self.card_ids[int(group_cards[0])], group.tolist()) for group, group_cards in zip(np.split(order, starts), np.split(cards, starts))]

    def drop_duplicates(self) -> None:
        """A review of the same card at the same time as an earlier line becomes a bad row."""
        n = len(self)
        if n < 2:
            return
        order = self._by_card_and_time()
        card, micros, line = self._numpy("card")[order], self._numpy("micros")[order], self._numpy("line")[order]
        first_of_run = np.ones(n, dtype=bool)
        first_of_run[1:] = (card[1:] != card[:-1]) | (micros[1:] != micros[:-1])
        if first_of_run.all():
            return
        run_start = np.maximum.accumulate(np.where(first_of_run, np.arange(n), 0))
        repeats = np.flatnonzero(~first_of_run)
        for at, first in zip(line[repeats].tolist(), line[run_start[repeats]].tolist()):
            self.problems.append(RowProblem(at, f"duplicate of line {first} (same card and time)"))
        self.problems.sort(key=lambda problem: problem.line)
        keep = np.ones(n, dtype=bool)
        keep[order[repeats]] = False
        for name in ("card", "rating", "micros", "duration", "line"):
            column = getattr(self, name)
            setattr(self, name, array(column.typecode, self._numpy(name)[keep].tobytes()))


class _BadRow(ValueError):
    pass


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Numbered lines without their ends (any of \\n, \\r\\n, \\r), read lazily."""
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        yield number, line.rstrip("\n")


def _fields(line: str) -> list[str]:
    try:
        return [value.strip() for value in next(csv.reader([line]))]
    except (csv.Error, StopIteration) as error:
        raise _BadRow(f"not a CSV row ({error})") from None


def _header(text: str, path: str, required: tuple[str, ...]) -> tuple[int, dict[str, int], int]:
    """The header's line number, column positions and number of fields; a missing column
    refuses the file."""
    for number, line in _lines(text):
        if not line.strip():
            continue
        try:
            names = [name.lower() for name in _fields(line)]
        except _BadRow as error:
            raise SrsError(f"header: {error}", path=path, line=number) from None
        columns: dict[str, int] = {}
        for index, name in enumerate(names):
            columns.setdefault(name, index)
        missing = [name for name in required if name not in columns]
        if missing:
            raise SrsError(
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(the header must name {', '.join(required)}; found: {', '.join(names) or 'nothing'})",
                path=path,
                line=number,
            )
        return number, columns, len(names)
    raise SrsError("empty file (expected a header line naming " + ", ".join(required) + ")", path=path)


def _shown(text: str) -> str:
    """A field quoted in a message as written, or cut short (:func:`srs.text.clipped`)."""
    return text if len(text) <= ECHO_LIMIT else clipped(text)


def parse_time(text: str) -> datetime:
    """``review_time``: ISO-8601 with an offset, or whole milliseconds since the epoch."""
    if not text:
        raise _BadRow("review_time is empty")
    if text.isdigit():
        # Checked before it becomes a time: from_micros takes a value past year 9999 for a
        # damaged collection, not for a bad row of a file.
        if int(text) * 1000 >= to_micros(LATEST_TIME):
            raise _BadRow(f"review_time {_shown(text)} is out of range (milliseconds since 1970 expected)")
        value = from_micros(int(text) * 1000)
    else:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise _BadRow(f"review_time {clipped(text)} is not an ISO-8601 time or milliseconds since 1970") from None
        if value.tzinfo is None or value.utcoffset() is None:
            raise _BadRow(f"review_time {clipped(text)} has no UTC offset (write e.g. {text}+00:00)")
        value = value.astimezone(timezone.utc)
    if value < EARLIEST:
        raise _BadRow(f"review_time {_shown(text)} is before 2000 (milliseconds since 1970 expected, not seconds?)")
    return value


def parse_rating(text: str) -> int:
    if text not in {"1", "2", "3", "4"}:
        raise _BadRow(f"review_rating {clipped(text)} is not 1, 2, 3 or 4 (Again, Hard, Good, Easy)")
    return int(text)


def parse_duration(text: str) -> int | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _BadRow(f"review_duration {clipped(text)} is not a number of milliseconds") from None
    if not math.isfinite(value) or value < 0:
        raise _BadRow(f"review_duration {_shown(text)} must be zero or more milliseconds")
    if value > MAX_DURATION_MS:
        raise _BadRow(f"review_duration {_shown(text)} is too large (more than 24 days)")
    return round(value)


def parse_card_id(text: str) -> str:
    if not text:
        raise _BadRow("card_id is empty")
    if len(text) > MAX_CARD_ID_LENGTH:
        raise _BadRow(f"card_id is longer than {MAX_CARD_ID_LENGTH} characters")
    return text


def parse_revlog(text: str, *, path: str, now: datetime) -> RevlogRows:
    """Read the rows of a revlog CSV. Bad rows become :class:`RowProblem` s; a review at the
    same time as an earlier row of the same card is a duplicate; reviews after ``now`` are
    refused. A file without a header naming the required columns raises :class:`SrsError`."""
    header_line, columns, fields = _header(text, path, REQUIRED_COLUMNS)
    width = max(columns[name] for name in REQUIRED_COLUMNS) + 1
    duration_at = columns.get("review_duration")
    now_micros = to_micros(now)
    card_index: dict[str, int] = {}
    result = RevlogRows()
    for number, line in _lines(text):
        if number <= header_line or not line.strip():
            continue
        result.data_rows += 1
        try:
            values = _fields(line)
            if not width <= len(values) <= fields:  # more: a comma too many shifts the columns
                raise _BadRow(f"{plural(len(values), 'field')} where the header has {fields}")
            card_id = parse_card_id(values[columns["card_id"]])
            rating = parse_rating(values[columns["review_rating"]])
            reviewed_at = parse_time(values[columns["review_time"]])
            duration = parse_duration(values[duration_at]) if duration_at is not None and duration_at < len(values) else None
            micros = to_micros(reviewed_at)
            if micros > now_micros:
                raise _BadRow(f"review_time {values[columns['review_time']]} is in the future")
        except _BadRow as problem:
            result.problems.append(RowProblem(number, str(problem)))
            continue
        index = card_index.get(card_id)
        if index is None:
            index = card_index[card_id] = len(result.card_ids)
            result.card_ids.append(card_id)
        result.card.append(index)
        result.rating.append(rating)
        result.micros.append(micros)
        result.duration.append(NO_DURATION if duration is None else duration)
        result.line.append(number)
    result.drop_duplicates()
    return result


@dataclass(frozen=True)
class MapEntry:
    srs_card_id: int
    line: int


def parse_card_map(text: str, *, path: str) -> dict[str, MapEntry]:
    """``card_id,srs_card_id`` rows: where each CSV card's reviews go. Any bad row refuses the
    whole mapping (a wrong mapping would attach reviews to the wrong card)."""
    header_line, columns, fields = _header(text, path, MAP_COLUMNS)
    width = max(columns[name] for name in MAP_COLUMNS) + 1
    mapping: dict[str, MapEntry] = {}
    for number, line in _lines(text):
        if number <= header_line or not line.strip():
            continue
        try:
            values = _fields(line)
            if not width <= len(values) <= fields:
                raise _BadRow(f"{plural(len(values), 'field')} where the header has {fields}")
            card_id = parse_card_id(values[columns["card_id"]])
            target = values[columns["srs_card_id"]]
            if not target.isdigit() or int(target) == 0:
                raise _BadRow(f"srs_card_id {clipped(target)} is not a card id (a positive whole number)")
        except _BadRow as problem:
            raise SrsError(str(problem), path=path, line=number) from None
        previous = mapping.get(card_id)
        if previous is not None and previous.srs_card_id != int(target):
            raise SrsError(
                f"card_id {card_id} is mapped twice (line {previous.line}: {previous.srs_card_id}, here: {target})",
                path=path,
                line=number,
            )
        mapping[card_id] = MapEntry(int(target), number)
    return mapping
