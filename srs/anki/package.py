"""Reading an Anki package (``.apkg``/``.colpkg``): its collection, note types, decks, notes,
cards, review log and media map. Read-only: the package is never modified.

A package is a zip holding one SQLite collection, newest first:

* ``collection.anki21b``: zstd-compressed SQLite, schema 18 (Anki 2.1.50+ "latest" format).
  Note types, fields, templates and decks live in their own tables, with protobuf config
  blobs; deck names separate levels with ``\\x1f``.
* ``collection.anki21`` / ``collection.anki2``: plain SQLite, Anki's legacy schema 11, whose
  ``col`` row holds the note types (``models``) and decks as JSON. A package in the latest
  format also holds a ``collection.anki2`` stub asking to upgrade Anki; it is ignored
  because the newer file is read first.

Media: ``media`` maps zip member names (``"0"``, ``"1"``...) to file names: JSON in legacy
packages; in the latest format (``meta`` says version 3) a zstd-compressed protobuf
``MediaEntries`` list whose index is the member name, each member zstd-compressed too.

The collection is extracted (decompressed if needed) to a temporary file and opened
read-only; the few protobuf fields needed are decoded by :func:`protobuf_fields`.
"""

from __future__ import annotations

import json
import os
import posixpath
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from srs.anki.inflate_budget import budget, copy_bounded, read_member, zstd_bytes, zstd_content_size
from srs.errors import SrsError

COLLECTION_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PACKAGE_VERSION_LATEST = 3

# Revlog review kinds (Anki's RevlogReviewKind).
REVLOG_LEARNING, REVLOG_REVIEW, REVLOG_RELEARNING, REVLOG_FILTERED, REVLOG_MANUAL, REVLOG_RESCHEDULED = range(6)


class NoteType(NamedTuple):
    id: int
    name: str
    is_cloze: bool
    is_image_occlusion: bool
    fields: tuple[str, ...]
    templates: dict[int, tuple[str, str]]  # ord -> (question format, answer format)


class AnkiNote(NamedTuple):
    id: int
    guid: str
    notetype_id: int
    tags: str
    fields: tuple[str, ...]
    mod: int = 0  # epoch seconds of the note's last edit


class AnkiCard(NamedTuple):
    id: int
    note_id: int
    deck_id: int  # the home deck (a card in a filtered deck: its original deck)
    ord: int
    queue: int
    data: str = ""  # JSON: FSRS memory state and custom data ("cd")


class RevlogEntry(NamedTuple):
    id: int  # epoch milliseconds of the answer
    card_id: int
    ease: int  # 1-4; 0 = no answer (manual change)
    type: int  # REVLOG_*
    factor: int
    time_ms: int


@dataclass
class AnkiCollection:
    """Everything srs reads from a package."""

    member: str  # which collection file was read
    schema: int
    notetypes: dict[int, NoteType]
    decks: dict[int, str]  # id -> "A::B"
    notes: dict[int, AnkiNote]
    cards: list[AnkiCard]
    revlog: list[RevlogEntry]
    media: dict[str, str] = field(default_factory=dict)  # file name -> zip member
    media_compressed: bool = False


# ---------------------------------------------------------------------------------------
# Protobuf wire format (only what the few fields we read need).


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ValueError("varint too long")


def protobuf_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """``(field number, value)`` of a protobuf message: ints for varints and fixed, bytes for
    length-delimited fields (strings, nested messages). Raises ValueError when malformed."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield number, value
        elif wire == 1:
            yield number, int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated field")
            yield number, data[pos : pos + length]
            pos += length
        elif wire == 5:
            yield number, int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _first(data: bytes, number: int, default: int | bytes) -> int | bytes:
    for field_number, value in protobuf_fields(data):
        if field_number == number:
            return value
    return default


# ---------------------------------------------------------------------------------------
# The package


def _unicase(left: str, right: str) -> int:
    a, b = left.casefold(), right.casefold()
    return (a > b) - (a < b)


def _zstd_decompress_to(source: zipfile.ZipExtFile, target: Path, limit: int, what: str, package: Path) -> None:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - a declared dependency
        raise SrsError(f"{what} is zstd-compressed; install the zstandard package to read it", path=str(package)) from None
    try:
        with target.open("wb") as out:
            copy_bounded(zstandard.ZstdDecompressor().stream_reader(source), out, limit, what, package)
    except zstandard.ZstdError as error:
        raise SrsError(f"{what} is corrupt (zstd: {error})", path=str(package)) from None


def open_zip(path: Path) -> zipfile.ZipFile:
    """The package as a zip, or one clear error."""
    if not path.exists():
        raise SrsError("no such file", path=str(path))
    if path.is_dir():
        raise SrsError("is a folder, not an Anki package (.apkg or .colpkg)", path=str(path))
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SrsError("not an Anki package (not a zip file)", path=str(path)) from None
    except OSError as error:
        raise SrsError(f"cannot read ({error.strerror})", path=str(path)) from None


def _package_version(archive: zipfile.ZipFile, package: Path) -> int:
    if "meta" not in archive.namelist():
        return 0
    try:
        value = _first(read_member(archive, "meta", "its meta file", package), 1, 0)
    except ValueError:
        raise SrsError("its meta file is corrupt", path=str(package)) from None
    return int(value) if isinstance(value, int) else 0


def _media_map(archive: zipfile.ZipFile, version: int, package: Path) -> dict[str, str]:
    """File name -> zip member. Names are reduced to a plain file name (no folders)."""
    if "media" not in archive.namelist():
        return {}
    raw = read_member(archive, "media", "its media list", package)
    entries: list[tuple[str, str]] = []
    if raw.startswith(ZSTD_MAGIC):
        data = zstd_bytes(raw, "the media list", package)
        try:
            for index, (_number, entry) in enumerate(item for item in protobuf_fields(data) if item[0] == 1):
                if not isinstance(entry, bytes):
                    raise ValueError("a media entry is not a message")
                name = _first(entry, 1, b"")
                member = _first(entry, 255, index)
                entries.append((bytes(name).decode("utf-8", "replace") if isinstance(name, bytes) else "", str(member)))
        except ValueError:
            raise SrsError("its media list is corrupt", path=str(package)) from None
    else:
        try:
            mapping = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise SrsError("its media list is not valid JSON", path=str(package)) from None
        if not isinstance(mapping, dict):
            raise SrsError("its media list is not a JSON object", path=str(package))
        entries = [(str(name), str(member)) for member, name in mapping.items()]
    members = set(archive.namelist())
    result: dict[str, str] = {}
    for name, member in entries:
        safe = safe_media_name(name)
        if safe and member in members:
            result[safe] = member
    return result


def safe_media_name(name: str) -> str:
    """A media file name usable as a plain file name (Anki's media folder is flat)."""
    base = posixpath.basename(name.replace("\\", "/")).strip()
    if base in ("", ".", "..") or "\x00" in base:
        return ""
    return base


def _table_names(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _legacy_notetypes(models_json: str) -> dict[int, NoteType]:
    models = json.loads(models_json or "{}")
    result: dict[int, NoteType] = {}
    for key, model in models.items():
        fields = tuple(f.get("name", "") for f in sorted(model.get("flds", []), key=lambda f: f.get("ord", 0)))
        templates = {}
        for index, template in enumerate(model.get("tmpls", [])):
            templates[int(template.get("ord", index))] = (template.get("qfmt", ""), template.get("afmt", ""))
        model_id = int(model.get("id", key))
        result[model_id] = NoteType(
            id=model_id,
            name=str(model.get("name", "")),
            is_cloze=int(model.get("type", 0)) == 1,
            is_image_occlusion=int(model.get("originalStockKind", 0) or 0) == 6,
            fields=fields,
            templates=templates,
        )
    return result


def _modern_notetypes(connection: sqlite3.Connection) -> dict[int, NoteType]:
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in connection.execute("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(ntid, []).append((ord_, name))
    templates: dict[int, dict[int, tuple[str, str]]] = {}
    for ntid, ord_, config in connection.execute("SELECT ntid, ord, config FROM templates"):
        question = answer = b""
        for number, value in protobuf_fields(bytes(config or b"")):
            if number == 1 and isinstance(value, bytes):
                question = value
            elif number == 2 and isinstance(value, bytes):
                answer = value
        templates.setdefault(ntid, {})[ord_] = (question.decode("utf-8", "replace"), answer.decode("utf-8", "replace"))
    result: dict[int, NoteType] = {}
    for ntid, name, config in connection.execute("SELECT id, name, config FROM notetypes"):
        kind = original = 0
        for number, value in protobuf_fields(bytes(config or b"")):
            if number == 1 and isinstance(value, int):
                kind = value
            elif number == 9 and isinstance(value, int):
                original = value
        result[ntid] = NoteType(
            id=ntid,
            name=name,
            is_cloze=kind == 1,
            is_image_occlusion=original == 6,
            fields=tuple(name for _ord, name in sorted(fields.get(ntid, []))),
            templates=templates.get(ntid, {}),
        )
    return result


def _read_collection(database: Path, member: str) -> AnkiCollection:
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        connection.create_collation("unicase", _unicase)
        tables = _table_names(connection)
        missing = {"col", "notes", "cards", "revlog"} - tables
        if missing:
            raise SrsError(f"{member} is not an Anki collection (no table {', '.join(sorted(missing))})")
        row = connection.execute("SELECT ver, models, decks FROM col LIMIT 1").fetchone()
        if row is None:
            raise SrsError(f"{member} is not an Anki collection (its col table is empty)")
        schema, models_json, decks_json = int(row[0]), row[1], row[2]
        if "notetypes" in tables and connection.execute("SELECT count(*) FROM notetypes").fetchone()[0]:
            notetypes = _modern_notetypes(connection)
            decks = {did: name.replace("\x1f", "::") for did, name in connection.execute("SELECT id, name FROM decks")}
        else:
            try:
                notetypes = _legacy_notetypes(models_json)
                decks = {int(did): str(deck.get("name", did)) for did, deck in json.loads(decks_json or "{}").items()}
            except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
                raise SrsError(f"{member}: its note types or decks are not valid JSON") from None
        # int(... or 0): a damaged row (NULL, text) becomes 0 or a ValueError, never a crash later.
        notes = {
            int(nid): AnkiNote(int(nid), str(guid or nid), int(mid or 0), str(tags or ""), tuple(str(flds or "").split("\x1f")), int(mod or 0))
            for nid, guid, mid, tags, flds, mod in connection.execute("SELECT id, guid, mid, tags, flds, mod FROM notes")
        }
        cards = [
            AnkiCard(int(cid), int(nid or 0), int(odid or 0) or int(did or 0), int(ord_ or 0), int(queue or 0), str(data or ""))
            for cid, nid, did, ord_, queue, odid, data in connection.execute("SELECT id, nid, did, ord, queue, odid, data FROM cards ORDER BY id")
        ]
        revlog = [
            RevlogEntry(*(int(value or 0) for value in row))
            for row in connection.execute("SELECT id, cid, ease, type, factor, time FROM revlog ORDER BY cid, id")
        ]
    finally:
        connection.close()
    return AnkiCollection(member=member, schema=schema, notetypes=notetypes, decks=decks, notes=notes, cards=cards, revlog=revlog)


def _collection_budget(archive: zipfile.ZipFile, member: str, package: Path) -> int:
    """The bytes the collection may take in the temporary folder (srs.anki.inflate_budget): its
    declared size (the zip entry's, or the zstd frame's for collection.anki21b) checked
    against its compressed size and the free space, before extraction."""
    info = archive.getinfo(member)
    declared: int | None = info.file_size
    compressed = info.compress_size
    if member.endswith("b"):
        with archive.open(info) as source:
            head = source.read(18)
        declared, compressed = zstd_content_size(head), info.file_size
    return budget(member, package, declared=declared, compressed=compressed, workdir=Path(tempfile.gettempdir()))


def read_package(path: Path) -> AnkiCollection:
    """Read the Anki package at ``path``; any problem is one :class:`SrsError`."""
    path = Path(path)
    with open_zip(path) as archive:
        names = set(archive.namelist())
        member = next((name for name in COLLECTION_MEMBERS if name in names), None)
        if member is None:
            raise SrsError(
                "no Anki collection inside (expected collection.anki21b, collection.anki21 or collection.anki2)", path=str(path)
            )
        try:
            version = _package_version(archive, path)
            limit = _collection_budget(archive, member, path)  # before anything is extracted
            # The folder (mode 0700) is removed however the block ends: refusal, error, interrupt.
            with tempfile.TemporaryDirectory(prefix="srs-anki-") as workdir:
                database = Path(workdir) / "collection.sqlite"
                with archive.open(member) as source:
                    if member.endswith("b"):
                        _zstd_decompress_to(source, database, limit, member, path)
                    else:
                        with database.open("wb") as out:
                            copy_bounded(source, out, limit, member, path)
                os.chmod(database, 0o400)
                try:
                    collection = _read_collection(database, member)
                except SrsError as error:
                    raise SrsError(error.message, path=str(path)) from None
                except (sqlite3.DatabaseError, ValueError, UnicodeDecodeError) as error:
                    raise SrsError(f"{member} is not a readable Anki collection ({error})", path=str(path)) from None
            collection.media = _media_map(archive, version, path)
            collection.media_compressed = version >= PACKAGE_VERSION_LATEST
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
            raise SrsError(f"the zip file is corrupt ({error})", path=str(path)) from None
        except OSError as error:
            raise SrsError(f"cannot read ({error.strerror or error})", path=str(path)) from None
    return collection


def read_media(path: Path, member: str, compressed: bool) -> bytes:
    """The bytes of one media file of the package."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = read_member(archive, member, f"media file {member}", path)
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise SrsError(f"cannot read media file {member} ({error})", path=str(path)) from None
    if compressed and data.startswith(ZSTD_MAGIC):
        return zstd_bytes(data, f"media file {member}", path)
    return data
