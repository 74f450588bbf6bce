"""A whole collection as one JSON file: ``srs export --json FILE`` and ``srs import-json FILE``.

The file is one JSON document::

    {"format": "srs-collection", "version": 1, "schema": "0002", "srs": "0.1.0",
     "exported_at": "2026-03-02T12:00:00+00:00",
     "counts": {"presets": 1, "decks": 2, ...},
     "tables": {
      "presets": {"columns": ["id", "name", ...], "rows": [
       [1, "Default", ...],
       ...]},
      "decks": ..., "import_roots": ..., "sources": ..., "cards": ..., "reviews": ..., "settings": ...}}

Every table and every column, ids included, so importing it into an empty collection gives
an identical collection. Times are ISO 8601 in UTC with microseconds (exact), floats are
written with Python's shortest exact representation, JSON columns as JSON. Tables come
parents first. Both directions stream: rows are written as they are read, and read back by a
small incremental parser that never holds more than one row (plus a buffer) in memory, so a
collection with millions of reviews moves in flat memory. The export is written to a
temporary file (mode 0600: it holds your whole collection) and renamed into place; the import
runs in one transaction, and the row counts are checked against the header.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from srs import __version__
from srs.domain.transfer_values import BadValue, load_value
from srs.errors import CollectionError, SrsError
from srs.files import replaced_atomically
from srs.store import transfer as store
from srs.store.collection import Collection
from srs.store.migrations import current_revision
from srs.text import plural
from srs.timeutil import UTC

FORMAT = "srs-collection"
VERSION = 1
BATCH = 2000


@dataclass(frozen=True)
class TransferSummary:
    action: str  # "Exported" / "Imported"
    path: Path
    counts: dict[str, int]
    size: int

    def __str__(self) -> str:
        c = self.counts
        parts = [plural(c.get(name, 0), name[:-1]) for name in ("cards", "reviews", "decks", "presets")]
        where = "to" if self.action == "Exported" else "from"
        size = f"{self.size / 1024:.1f} KiB" if self.size < 1024 * 1024 else f"{self.size / 1024 / 1024:.1f} MiB"
        replayed = c.get("replayed_cards")
        note = f" {replayed} cards were replayed under the study-day rule (the file predates it)." if replayed else ""
        return f"{self.action} {', '.join(parts)} {where} {self.path} ({size}).{note}"


# --- values ------------------------------------------------------------------------------


def _dump_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time":
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


# --- export ------------------------------------------------------------------------------


def export_json(collection: Collection, path: Path, *, now: datetime) -> TransferSummary:
    """Write the whole collection to ``path`` (atomically, mode 0600)."""
    path = path.expanduser()
    if path.is_dir():
        raise CollectionError(f"{path}: is a directory; give a file name such as collection.json")
    schema = current_revision(collection)
    with replaced_atomically(path) as temporary:
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out, collection.read() as session:
            store.snapshot(session)
            tables = store.tables()
            counts = {table.name: store.row_count(session, table) for table in tables}
            header = {"format": FORMAT, "version": VERSION, "schema": schema, "srs": __version__, "exported_at": now.astimezone(UTC).isoformat(), "counts": counts}
            out.write(json.dumps(header, ensure_ascii=False)[:-1])
            out.write(',\n "tables": {')
            for number, table in enumerate(tables):
                spec = store.columns(table)
                kinds = [kind for _, kind, _ in spec]
                names = json.dumps([name for name, _, _ in spec])
                out.write(f'{"," if number else ""}\n  {json.dumps(table.name)}: {{"columns": {names}, "rows": [')
                written = 0
                for row in store.stream_rows(session, table):
                    values = [_dump_value(kind, value) if kind == "time" else value for kind, value in zip(kinds, row)]
                    out.write(("," if written else "") + "\n   " + json.dumps(values, ensure_ascii=False))
                    written += 1
                out.write("]}")
                if written != counts[table.name]:
                    raise CollectionError(f"{collection.name}: table {table.name} changed during the export; try again")
            out.write("}}\n")
            out.flush()
            os.fsync(out.fileno())
    return TransferSummary("Exported", path, counts, path.stat().st_size)


# --- a streaming reader for the file we write (any whitespace layout) ---------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_READ = 1 << 20


class _Reader:
    """Just enough of an incremental JSON parser: the document's structure token by token,
    each row (a small value) with the standard decoder. Tracks lines for error messages."""
    def __init__(self, handle: IO[str], path: Path) -> None:
        self.handle = handle
        self.path = path
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.lines_dropped = 0
        self.decoder = json.JSONDecoder()
        self.header: dict[str, Any] = {}  # the document's header, once read

    def line(self) -> int:
        return self.lines_dropped + self.buffer.count("\n", 0, self.pos) + 1

    def location(self) -> str:
        return f"{self.path}:{self.line()}"

    def error(self, message: str) -> SrsError:
        return SrsError(message, path=str(self.path), line=self.line())

    def _more(self) -> bool:
        """Read another chunk into the buffer; False at the end of the file."""
        if self.eof:
            return False
        chunk = self.handle.read(_READ)
        if not chunk:
            self.eof = True
            return False
        self.lines_dropped += self.buffer.count("\n", 0, self.pos)
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            raise self.error(f"expected {what}, found {found!r}" if found else f"expected {what}, found the end of the file (truncated?)")
        self.pos += 1

    def value(self, what: str) -> Any:
        if not self.peek():
            raise self.error(f"expected {what}, found the end of the file (truncated?)")
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as error:
                if self._more():
                    continue
                if error.msg.startswith("Unterminated") or error.pos >= len(self.buffer.rstrip()):
                    raise self.error(f"the file ends inside {what} (truncated?)") from None
                self.pos = error.pos
                raise self.error(f"not valid JSON where {what} should be ({error.msg})") from None
            if end == len(self.buffer) and self._more():
                continue  # a number (or the like) may go on in the next chunk
            self.pos = end
            return value

    def separator(self, closing: str, what: str) -> bool:
        """After an item: True if another follows (a comma), False at ``closing``."""
        found = self.peek()
        if found == ",":
            self.pos += 1
            return True
        if found == closing:
            self.pos += 1
            return False
        raise self.error(f"expected ',' or {closing!r} after {what}, found {found!r}" if found else f"the file ends inside {what} (truncated?)")

    def items(self, what: str) -> Iterator[str]:
        """The keys of an object, leaving the reader at each key's value."""
        self.expect("{", f"{{ opening {what}")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value(f"a key of {what}")
            if not isinstance(key, str):
                raise self.error(f"expected a key of {what}, found {key!r}")
            self.expect(":", f"':' after {key!r}")
            yield key
            if not self.separator("}", what):
                return

    def elements(self, what: str) -> Iterator[Any]:
        self.expect("[", f"[ opening {what}")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value(what)
            if not self.separator("]", what):
                return


# --- import ------------------------------------------------------------------------------


def import_json(collection: Collection, path: Path, *, now: datetime) -> TransferSummary:
    """Restore a file written by :func:`export_json` into ``collection``, which must be empty
    (no decks, cards, reviews, sources or import roots; its presets and settings are replaced
    by the file's). Ids are kept. One transaction: all of it or nothing."""
    path = path.expanduser()
    if not path.is_file():
        raise SrsError("no such file", path=str(path))
    counts = collection.transact(lambda session: _import(session, collection, path, now))
    return TransferSummary("Imported", path, counts, path.stat().st_size)


# The first schema whose card states are replays under the study-day rule (migration 0005).
STUDY_DAY_SCHEMA = 5


def _import(session: Any, collection: Collection, path: Path, now: datetime) -> dict[str, int]:
    existing = {name: count for name, count in store.content_counts(session).items() if count}
    if existing:
        held = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in existing.items())
        raise CollectionError(
            f"{collection.name} is not empty ({held}); import-json restores into an empty collection: "
            "give a new one with --db PATH|URL"
        )
    store.clear_replaceable(session)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise SrsError(f"cannot read ({error.strerror})", path=str(path)) from None
    with handle:
        reader = _Reader(handle, path)
        try:
            counts = _read_document(reader, session, store)
        except UnicodeDecodeError:
            raise reader.error("not a UTF-8 text file") from None
    store.move_sequences_past_ids(session)
    schema = str(reader.header.get("schema", ""))
    if not (schema.isdigit() and int(schema) >= STUDY_DAY_SCHEMA):
        # Written before elapsed time was counted in study days: the log is the source of
        # truth, so every card becomes the replay of its log under the current rule.
        from srs.app.reschedule import reschedule_session

        counts["replayed_cards"] = reschedule_session(session, now=now).changed
    return counts


def _read_document(reader: _Reader, session: Any, store: Any) -> dict[str, int]:
    header: dict[str, Any] = {}
    counts: dict[str, int] = {}
    seen_tables = False
    if reader.peek() != "{":
        raise reader.error("not an srs JSON export (it does not start with '{')")
    for key in reader.items("the document"):
        if key != "tables":
            header[key] = reader.value(f"the value of {key!r}")
            continue
        _check_header(reader, header)
        reader.header = header
        counts = _read_tables(reader, session, store)
        seen_tables = True
    if reader.peek():
        raise reader.error("unexpected text after the end of the document")
    if not seen_tables:
        _check_header(reader, header)
        raise reader.error("no \"tables\" in the file")
    expected = header.get("counts")
    if isinstance(expected, dict):
        for name, count in expected.items():
            if counts.get(name, 0) != count:
                raise reader.error(f"table {name}: the header says {count} rows, the file holds {counts.get(name, 0)}")
    return counts


def _check_header(reader: _Reader, header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT:
        raise reader.error(f"not an srs JSON export (format {header.get('format')!r}, expected {FORMAT!r}; the header must come before the tables)")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise reader.error(f"invalid format version {version!r}")
    if version > VERSION:
        raise reader.error(f"written by a newer srs (format version {version}; this srs reads up to {VERSION}): upgrade srs")


def _read_tables(reader: _Reader, session: Any, store: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    order = [t.name for t in store.tables()]
    last_index = -1
    for name in reader.items("the tables"):
        table = store.table_named(name)
        if table is None:
            raise reader.error(f"unknown table {name!r} (this srs knows {', '.join(order)}): written by a newer srs?")
        if name in counts:
            raise reader.error(f"table {name!r} appears twice")
        index = order.index(name)
        if index < last_index:
            raise reader.error(f"table {name!r} comes after a table that refers to it (expected the order {', '.join(order)})")
        last_index = index
        counts[name] = _read_table(reader, session, store, table)
    return counts


def _read_table(reader: _Reader, session: Any, store: Any, table: Any) -> int:
    spec = {name: (kind, nullable) for name, kind, nullable in store.columns(table)}
    names: list[str] | None = None
    count = 0
    for key in reader.items(f"table {table.name}"):
        if key == "columns":
            names = reader.value(f"the columns of {table.name}")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
                raise reader.error(f"table {table.name}: \"columns\" must be a list of distinct names")
            unknown = [n for n in names if n not in spec]
            if unknown:
                raise reader.error(f"table {table.name}: unknown columns {', '.join(unknown)} (written by a newer srs?)")
        elif key == "rows":
            if names is None:
                raise reader.error(f"table {table.name}: \"columns\" must come before \"rows\"")
            count = _read_rows(reader, session, store, table, names, spec)
        else:
            reader.value(f"the value of {key!r}")  # ignored: room for later additions
    return count


def _read_rows(reader: _Reader, session: Any, store: Any, table: Any, names: list[str], spec: dict[str, tuple[str, bool]]) -> int:
    converters: list[tuple[str, Callable[[Any], Any]]] = []
    for name in names:
        kind, nullable = spec[name]
        limits = store.integer_range(table, name) if kind == "int" else (0, 0)
        where = (table.name, name)
        converters.append((name, lambda value, k=kind, n=nullable, w=where, lim=limits: load_value(k, value, n, w, lim)))
    width = len(names)
    batch: list[dict[str, Any]] = []
    count = 0
    for row in reader.elements(f"a row of {table.name}"):
        if not isinstance(row, list) or len(row) != width:
            raise reader.error(f"tables.{table.name}.rows[{count}]: a row must be a list of {width} values")
        record = {}
        for (name, convert), value in zip(converters, row):
            try:
                record[name] = convert(value)
            except BadValue as error:  # FILE:LINE: tables.reviews.rows[3].rating: reason
                raise reader.error(f"tables.{table.name}.rows[{count}].{name}: {error}") from None
        batch.append(record)
        count += 1
        if len(batch) >= BATCH:
            store.insert_rows(session, table, batch, where=reader.location())
            batch = []
    store.insert_rows(session, table, batch, where=reader.location())
    return count
