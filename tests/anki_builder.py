"""Small Anki collections for tests, written with sqlite3 in Anki's documented legacy schema
(schema 11: the ``col`` row holds note types and decks as JSON; ``notes``, ``cards``,
``revlog``), and zipped as an ``.apkg``/``.colpkg`` with a JSON media map; and a reader of the
notes srs's exports hold.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = """
CREATE TABLE col (
    id integer primary key, crt integer not null, mod integer not null, scm integer not null,
    ver integer not null, dty integer not null, usn integer not null, ls integer not null,
    conf text not null, models text not null, decks text not null, dconf text not null, tags text not null
);
CREATE TABLE notes (
    id integer primary key, guid text not null, mid integer not null, mod integer not null,
    usn integer not null, tags text not null, flds text not null, sfld integer not null,
    csum integer not null, flags integer not null, data text not null
);
CREATE TABLE cards (
    id integer primary key, nid integer not null, did integer not null, ord integer not null,
    mod integer not null, usn integer not null, type integer not null, queue integer not null,
    due integer not null, ivl integer not null, factor integer not null, reps integer not null,
    lapses integer not null, left integer not null, odue integer not null, odid integer not null,
    flags integer not null, data text not null
);
CREATE TABLE revlog (
    id integer primary key, cid integer not null, usn integer not null, ease integer not null,
    ivl integer not null, lastIvl integer not null, factor integer not null, time integer not null,
    type integer not null
);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_notes_usn on notes (usn);
CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_revlog_usn on revlog (usn);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
"""

BASIC_ID = 1_000_000_001
REVERSED_ID = 1_000_000_002
CLOZE_ID = 1_000_000_003
DAY_MS = 86_400_000


def _field(name: str, ord_: int) -> dict[str, object]:
    return {"name": name, "ord": ord_, "sticky": False, "rtl": False, "font": "Arial", "size": 20, "media": []}


def _template(name: str, ord_: int, qfmt: str, afmt: str) -> dict[str, object]:
    return {"name": name, "ord": ord_, "qfmt": qfmt, "afmt": afmt, "did": None, "bqfmt": "", "bafmt": ""}


def _model(mid: int, name: str, fields: list[str], templates: list[tuple[str, str, str]], cloze: bool) -> dict[str, object]:
    return {
        "id": mid,
        "name": name,
        "type": 1 if cloze else 0,
        "mod": 1_700_000_000,
        "usn": -1,
        "sortf": 0,
        "did": 1,
        "tmpls": [_template(n, i, q, a) for i, (n, q, a) in enumerate(templates)],
        "flds": [_field(n, i) for i, n in enumerate(fields)],
        "css": ".card { font-family: arial; }",
        "latexPre": "",
        "latexPost": "",
        "tags": [],
        "vers": [],
        "req": [[i, "any", [0]] for i in range(len(templates))],
    }


STANDARD_MODELS = {
    BASIC_ID: _model(BASIC_ID, "Basic", ["Front", "Back"], [("Card 1", "{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}")], False),
    REVERSED_ID: _model(
        REVERSED_ID,
        "Basic (and reversed card)",
        ["Front", "Back"],
        [("Card 1", "{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}"), ("Card 2", "{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}")],
        False,
    ),
    CLOZE_ID: _model(CLOZE_ID, "Cloze", ["Text", "Back Extra"], [("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>{{Back Extra}}")], True),
}


@dataclass
class LegacyCollection:
    """An Anki collection to write: add decks, notes, cards and revlog rows, then :meth:`write`."""

    models: dict[int, dict[str, object]] = field(default_factory=lambda: json.loads(json.dumps(STANDARD_MODELS)))
    decks: dict[int, str] = field(default_factory=lambda: {1: "Default"})
    notes: list[tuple[int, str, int, str, list[str]]] = field(default_factory=list)
    cards: list[tuple[int, int, int, int, int, int]] = field(default_factory=list)
    revlog: list[tuple[int, int, int, int, int, int]] = field(default_factory=list)
    ver: int = 11

    def deck(self, did: int, name: str) -> int:
        self.decks[did] = name
        return did

    def note(self, nid: int, mid: int, fields: list[str], tags: str = "", guid: str | None = None) -> int:
        self.notes.append((nid, guid or f"guid{nid}", mid, f" {tags.strip()} " if tags.strip() else "", fields))
        return nid

    def card(self, cid: int, nid: int, did: int, ord_: int = 0, queue: int = 0, odid: int = 0) -> int:
        self.cards.append((cid, nid, did, ord_, queue, odid))
        return cid

    def review(self, when_ms: int, cid: int, ease: int, kind: int = 1, factor: int = 2500, time_ms: int = 6000) -> None:
        self.revlog.append((when_ms, cid, ease, kind, factor, time_ms))

    def write(self, path: Path) -> Path:
        decks = {
            str(did): {"id": did, "name": name, "dyn": 0, "conf": 1, "desc": "", "usn": -1, "mod": 1_700_000_000, "collapsed": False}
            for did, name in self.decks.items()
        }
        connection = sqlite3.connect(path)
        try:
            connection.executescript(SCHEMA)
            connection.execute(
                "INSERT INTO col VALUES (1, 1600000000, 1700000000000, 1700000000000, ?, 0, 0, 0, '{}', ?, ?, '{}', '{}')",
                (self.ver, json.dumps({str(k): v for k, v in self.models.items()}), json.dumps(decks)),
            )
            for nid, guid, mid, tags, fields in self.notes:
                connection.execute(
                    "INSERT INTO notes VALUES (?, ?, ?, 1700000000, -1, ?, ?, ?, 0, 0, '')",
                    (nid, guid, mid, tags, "\x1f".join(fields), fields[0]),
                )
            for cid, nid, did, ord_, queue, odid in self.cards:
                connection.execute(
                    "INSERT INTO cards VALUES (?, ?, ?, ?, 1700000000, -1, 0, ?, 0, 0, 0, 0, 0, 0, 0, ?, 0, '')",
                    (cid, nid, did, ord_, queue, odid),
                )
            for when_ms, cid, ease, kind, factor, time_ms in self.revlog:
                connection.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, 1, 0, ?, ?, ?)", (when_ms, cid, ease, factor, time_ms, kind))
            connection.commit()
        finally:
            connection.close()
        return path


def zip_package(path: Path, collection_file: Path, *, member: str = "collection.anki2", media: dict[str, bytes] | None = None) -> Path:
    """Zip ``collection_file`` as an Anki package at ``path`` (legacy layout: JSON media map)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(collection_file, member)
        files = list((media or {}).items())
        archive.writestr("media", json.dumps({str(i): name for i, (name, _data) in enumerate(files)}))
        for index, (_name, data) in enumerate(files):
            archive.writestr(str(index), data)
    return path


def package_notes(path: Path, folder: Path) -> dict[str, tuple[int, list[int]]]:
    """The notes of an exported package: GUID -> (note type id, ordinals of its cards)."""
    folder.mkdir()
    with zipfile.ZipFile(path) as archive:
        archive.extract("collection.anki2", folder)
    connection = sqlite3.connect(folder / "collection.anki2")
    try:
        notes: dict[str, tuple[int, list[int]]] = {}
        for guid, mid, ord_ in connection.execute("select guid, mid, ord from notes join cards on cards.nid = notes.id order by notes.id, ord"):
            notes.setdefault(guid, (mid, []))[1].append(ord_)
        assert connection.execute("select count(*) from notes").fetchone()[0] == len(notes)  # one GUID per note
        return notes
    finally:
        connection.close()
