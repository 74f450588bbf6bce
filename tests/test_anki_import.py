"""``srs import-anki``: Anki packages (legacy schema written by the tests, genanki's, and
Anki's own newest format) -> cards, decks, tags, media and review history."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from anki_builder import BASIC_ID, CLOZE_ID, DAY_MS, REVERSED_ID, LegacyCollection, package_notes, zip_package
from sqlalchemy import func, select

from srs.app.anki_import import import_anki, media_directory
from srs.domain.scheduling import SchedulerSettings
from srs.errors import SrsError
from srs.store.models import Card, Deck, Review
from srs.store.presets import preset_for_deck
from srs.store.reviews import card_memory, replayed_memory

T0 = int(datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc).timestamp() * 1000)
MINUTE_MS = 60_000
CAT_PNG = b"\x89PNG\r\n\x1a\nnot really a cat"


def build_collection() -> LegacyCollection:
    anki = LegacyCollection()
    anki.deck(10, "Lang::French")
    anki.deck(11, "Lang::French::Verbs")
    anki.deck(12, "Cram")
    anki.note(100, BASIC_ID, ["<b>chat</b> &amp; chien", 'cat<br><img src="cat.png"> \\(x^2\\)'], tags="animal fr::noun")
    anki.card(1000, 100, 10)
    anki.note(101, REVERSED_ID, ["aller", "to go"], tags="verb")
    anki.card(1010, 101, 11, 0)
    anki.card(1011, 101, 11, 1, queue=-1)  # suspended
    anki.note(102, CLOZE_ID, ["{{c1::Paris}} is in {{c2::France}}, {{c3::Europe::continent}}", "geo"])
    anki.card(1020, 102, 10, 0)
    anki.card(1021, 102, 10, 1)
    anki.card(1022, 102, 12, 2, odid=10)  # in a filtered deck; home deck 10
    anki.card(1023, 102, 10, 5)  # an "empty card": there is no c6 in the text
    anki.note(103, BASIC_ID, ['missing <img src="gone.png">', "x"])
    anki.card(1030, 103, 1)
    # card 1000: learn, learn, review, lapse, relearn, review; a "set due date" entry is skipped
    for offset, ease, kind in [
        (0, 3, 0),
        (10 * MINUTE_MS, 3, 0),
        (2 * DAY_MS, 3, 1),
        (10 * DAY_MS, 1, 1),
        (10 * DAY_MS + 10 * MINUTE_MS, 3, 2),
        (20 * DAY_MS, 4, 1),
    ]:
        anki.review(T0 + offset, 1000, ease, kind, time_ms=4000 + offset % 997)
    anki.review(T0 + 15 * DAY_MS, 1000, 0, 4, factor=2500)
    # card 1010: two answers and a filtered-deck preview that did not reschedule (skipped)
    t1 = T0 + 1000  # revlog ids are unique across cards
    anki.review(t1, 1010, 3, 0)
    anki.review(t1 + 3 * DAY_MS, 1010, 3, 1)
    anki.review(t1 + 4 * DAY_MS, 1010, 3, 3, factor=0)
    # card 1020: two answers, then "Forget" (reset), then two answers: only the last two count
    t2 = T0 + 2000
    anki.review(t2, 1020, 2, 0)
    anki.review(t2 + DAY_MS, 1020, 3, 1)
    anki.review(t2 + 5 * DAY_MS, 1020, 0, 4, factor=0)
    anki.review(t2 + 6 * DAY_MS, 1020, 3, 0)
    anki.review(t2 + 9 * DAY_MS, 1020, 3, 1)
    # a review of a card that is not in the package
    anki.review(T0 + 1, 9999, 3, 1)
    return anki


@pytest.fixture
def package(tmp_path: Path) -> Path:
    database = build_collection().write(tmp_path / "build.anki2")
    return zip_package(tmp_path / "French.apkg", database, media={"cat.png": CAT_PNG})


def cards_by_external(session) -> dict[str, Card]:  # type: ignore[no-untyped-def]
    return {card.external_id: card for card in session.scalars(select(Card))}


def test_legacy_package_imports_cards_decks_tags_media_and_history(collection, package: Path, now: datetime) -> None:
    before = hashlib.sha256(package.read_bytes()).hexdigest()
    summary = import_anki(collection, package, now=now)

    assert (summary.notes, summary.cards, summary.new) == (4, 7, 7)
    assert summary.reviews == 10
    assert (summary.skipped_no_rating, summary.skipped_cramming, summary.skipped_before_reset, summary.orphan_reviews) == (1, 1, 2, 1)
    assert summary.skipped_empty_cloze == 1
    assert summary.media_copied == 1 and summary.media_missing == ["gone.png"]
    assert hashlib.sha256(package.read_bytes()).hexdigest() == before  # never modified

    media = media_directory(collection)
    with collection.read() as session:
        cards = cards_by_external(session)
        assert set(cards) == {"1000", "1010", "1011", "1020", "1021", "1022", "1030"}
        assert all(card.origin == "anki" for card in cards.values())
        decks = {card.external_id: card.deck.name for card in cards.values()}
        assert decks["1000"] == "Lang::French" and decks["1010"] == "Lang::French::Verbs"
        assert decks["1022"] == "Lang::French"  # filtered deck -> home deck
        assert decks["1030"] == "Default"

        basic = cards["1000"]
        assert basic.kind == "anki"
        assert basic.front == "**chat** & chien"
        assert f"![]({media / 'cat.png'})" in basic.back and "$x^2$" in basic.back
        assert basic.tags == " animal fr::noun "
        assert (media / "cat.png").read_bytes() == CAT_PNG

        forward, backward = cards["1010"], cards["1011"]
        assert (forward.front, forward.back) == ("aller", "to go")
        assert (backward.front, backward.back) == ("to go", "aller")
        assert forward.note_key == backward.note_key and forward.key != backward.key
        assert backward.suspended and not forward.suspended

        clozes = [cards["1020"], cards["1021"], cards["1022"]]
        assert {c.kind for c in clozes} == {"cloze"}
        assert [c.front for c in clozes] == ["[...] is in France, Europe", "Paris is in [...], Europe", "Paris is in France, [continent]"]
        assert {c.back for c in clozes} == {"Paris is in France, Europe\n\ngeo"}
        assert len({c.note_key for c in clozes}) == 1

        # the review log: exact instants and durations, and the card state is its replay
        rows = session.execute(select(Review.rating, Review.reviewed_at, Review.duration_ms).where(Review.card_id == basic.id).order_by(Review.reviewed_at)).all()
        assert [r.rating for r in rows] == [3, 3, 3, 1, 3, 4]
        assert rows[0].reviewed_at == datetime.fromtimestamp(T0 / 1000, tz=timezone.utc)
        assert rows[3].reviewed_at - rows[0].reviewed_at == timedelta(days=10)
        assert rows[1].duration_ms == 4000 + (10 * MINUTE_MS) % 997
        reviewed = {c.external_id: c.reps for c in cards.values()}
        assert reviewed == {"1000": 6, "1010": 2, "1011": 0, "1020": 2, "1021": 0, "1022": 0, "1030": 0}
        assert basic.lapses == 1
        for card in cards.values():
            settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
            assert card_memory(card) == replayed_memory(session, card, settings)
        first_after_reset = session.scalar(select(func.min(Review.reviewed_at)).where(Review.card_id == cards["1020"].id))
        assert first_after_reset == datetime.fromtimestamp((T0 + 2000 + 6 * DAY_MS) / 1000, tz=timezone.utc)


def test_reimport_updates_without_duplicating(collection, package: Path, tmp_path: Path, now: datetime) -> None:
    import_anki(collection, package, now=now)
    again = import_anki(collection, package, now=now)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 7)
    assert again.reviews == 0 and again.reviews_present == 10
    assert again.media_copied == 0 and again.media_present == 1
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 7
        assert session.scalar(select(func.count()).select_from(Review)) == 10

    # The user kept studying in Anki and fixed a typo: a newer export of the same collection.
    anki = build_collection()
    anki.notes[0] = (100, "guid100", BASIC_ID, " animal fr::noun ", ["<b>chat</b> &amp; chien", "cat (le chat)"])
    anki.review(T0 + 40 * DAY_MS, 1000, 3, 1)
    anki.review(T0 + 41 * DAY_MS, 1030, 3, 0)
    newer = zip_package(tmp_path / "French-2.apkg", anki.write(tmp_path / "build2.anki2"), media={"cat.png": CAT_PNG})
    third = import_anki(collection, newer, now=now)
    assert (third.new, third.updated, third.unchanged) == (0, 1, 6)
    assert third.reviews == 2 and third.reviews_present == 10
    with collection.read() as session:
        cards = cards_by_external(session)
        assert cards["1000"].back == "cat (le chat)"
        assert (cards["1000"].reps, cards["1030"].reps) == (7, 1)
        settings = SchedulerSettings.from_preset(preset_for_deck(session, cards["1000"].deck_id))
        assert card_memory(cards["1000"]) == replayed_memory(session, cards["1000"], settings)


def test_deck_prefix_and_colpkg(collection, tmp_path: Path, now: datetime) -> None:
    database = build_collection().write(tmp_path / "build.anki2")
    colpkg = zip_package(tmp_path / "collection.colpkg", database, member="collection.anki21")
    summary = import_anki(collection, colpkg, deck="Imported :: Anki", now=now)
    assert summary.member == "collection.anki21" and summary.cards == 7
    with collection.read() as session:
        names = set(session.scalars(select(Deck.name).join(Card, Card.deck_id == Deck.id)))
    assert names == {"Imported::Anki::Lang::French", "Imported::Anki::Lang::French::Verbs", "Imported::Anki::Default"}


def test_genanki_package_imports(collection, tmp_path: Path, now: datetime) -> None:
    import genanki

    model = genanki.Model(
        1_234_567_001,
        "Vocab",
        fields=[{"name": "Word"}, {"name": "Meaning"}, {"name": "Example"}],
        templates=[
            {"name": "Recognise", "qfmt": "{{Word}}", "afmt": "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}"},
            {"name": "Recall", "qfmt": "{{Meaning}}", "afmt": "{{FrontSide}}<hr id=answer>{{Word}}"},
        ],
    )
    deck = genanki.Deck(2_059_400_110, "Words::Greek")
    for word, meaning in [("λόγος", "word, reason"), ("ἔργον", "work")]:
        deck.add_note(genanki.Note(model=model, fields=[word, meaning, f"<i>{word}</i> example"], tags=["greek"]))
    cloze = genanki.Note(model=genanki.CLOZE_MODEL, fields=["{{c1::Athens}} and {{c2::Sparta}}", ""])
    deck.add_note(cloze)
    path = tmp_path / "greek.apkg"
    genanki.Package(deck).write_to_file(path)

    summary = import_anki(collection, path, now=now)
    assert (summary.notes, summary.cards) == (3, 6)
    with collection.read() as session:
        cards = session.scalars(select(Card).order_by(Card.key)).all()
        fronts = sorted((c.kind, c.front) for c in cards)
        assert ("anki", "λόγος") in fronts and ("anki", "word, reason") in fronts
        logos = next(c for c in cards if c.front == "λόγος")
        assert logos.back == "word, reason\n\n*λόγος* example"
        assert sum(1 for c in cards if c.kind == "cloze") == 2
        assert {c.deck.name for c in cards} == {"Words::Greek"}


def test_anki_newest_format_anki21b_with_zstd_media(collection, tmp_path: Path, now: datetime) -> None:
    """A package written by Anki itself in its newest format (zstd SQLite, protobuf media)."""
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ExportAnkiPackageOptions

    (tmp_path / "anki").mkdir()
    anki = AnkiCollection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        deck_id = anki.decks.id("Bio::Cells")
        (Path(anki.media.dir()) / "cell.png").write_bytes(b"cell image")
        note = anki.new_note(anki.models.by_name("Basic (and reversed card)"))
        note["Front"] = 'Mitochondria <img src="cell.png">'
        note["Back"] = "powerhouse"
        note.tags = ["bio"]
        anki.add_note(note, deck_id)
        cloze = anki.new_note(anki.models.by_name("Cloze"))
        cloze["Text"] = "{{c1::ATP}} stores {{c2::energy}}"
        anki.add_note(cloze, deck_id)
        card_id = anki.db.scalar("select id from cards where nid = ? and ord = 0", note.id)
        for index, ease in enumerate([3, 3, 1, 3]):
            anki.db.execute("insert into revlog values (?,?,?,?,?,?,?,?,?)", T0 + index * 3 * DAY_MS, card_id, -1, ease, 1, 0, 2500, 7000, 1)
        out = tmp_path / "bio.apkg"
        anki.export_anki_package(out_path=str(out), options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False), limit=None)
    finally:
        anki.close()
    assert "collection.anki21b" in zipfile.ZipFile(out).namelist()

    summary = import_anki(collection, out, now=now)
    assert summary.member == "collection.anki21b"
    assert (summary.notes, summary.cards, summary.reviews) == (2, 4, 4)
    assert summary.media_copied == 1
    with collection.read() as session:
        cards = session.scalars(select(Card)).all()
        assert {c.deck.name for c in cards} == {"Bio::Cells"}
        front = next(c for c in cards if c.front.startswith("Mitochondria"))
        assert front.reps == 4 and front.tags == " bio "
        assert (media_directory(collection) / "cell.png").read_bytes() == b"cell image"
        assert str(media_directory(collection) / "cell.png") in front.front
        assert sorted(c.front for c in cards if c.kind == "cloze") == ["ATP stores [...]", "[...] stores energy"]


def test_cli_import_then_status_shows_the_history(srs, package: Path) -> None:
    result = srs("import-anki", str(package))
    assert result.exit_code == 0, result.output
    assert "7 cards" in result.output and "10 added to the log" in result.output
    status = srs("status")
    assert status.exit_code == 0, status.output
    assert "Lang::French" in status.output or "French" in status.output
    again = srs("import-anki", str(package))
    assert "0 new" in again.output and "7 unchanged" in again.output


def test_cli_stats_shows_the_imported_history(srs, package: Path) -> None:
    assert srs("import-anki", str(package)).exit_code == 0
    result = srs("stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["reviews"]["total"] == 10
    assert stats["cards"]["total"] == 7 and stats["cards"]["suspended"] == 1
    # answers on 7 different days: card 1000 on days 0, 2, 10, 20; 1010 on 0, 3; 1020 on 6, 9
    assert stats["streak"]["days_studied"] == 7
    screen = srs("stats")
    assert screen.exit_code == 0 and "Reviews, all time" in screen.output


# --------------------------------------------------------------------------------------
# Bad input: one clear error line, nothing imported, no media left behind.


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    text = tmp_path / "notes.apkg"
    text.write_text("just text, not a zip")
    empty_zip = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    corrupt_sqlite = tmp_path / "corrupt.apkg"
    with zipfile.ZipFile(corrupt_sqlite, "w") as archive:
        archive.writestr("collection.anki2", b"SQLite format 3\x00" + bytes(range(256)) * 8)
        archive.writestr("media", "{}")
    garbage = tmp_path / "garbage.apkg"
    with zipfile.ZipFile(garbage, "w") as archive:
        archive.writestr("collection.anki2", b"\x00\x01garbage" * 100)
    bad_zstd = tmp_path / "badzstd.apkg"
    with zipfile.ZipFile(bad_zstd, "w") as archive:
        archive.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd" + b"\xff" * 64)
    no_tables = tmp_path / "notables.apkg"
    other = tmp_path / "other.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("create table hello (x)")
    connection.commit()
    connection.close()
    zip_package(no_tables, other)
    bad_media = tmp_path / "badmedia.apkg"
    zip_package(bad_media, build_collection().write(tmp_path / "ok.anki2"))
    with zipfile.ZipFile(bad_media) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["media"] = b"{not json"
    with zipfile.ZipFile(bad_media, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    bad_protobuf = tmp_path / "badprotobuf.apkg"
    import zstandard

    with zipfile.ZipFile(bad_protobuf, "w") as archive:
        archive.write(build_collection().write(tmp_path / "ok3.anki2"), "collection.anki2")
        archive.writestr("meta", b"\x08\x03")
        archive.writestr("media", zstandard.ZstdCompressor().compress(b"\x08\x01"))  # field 1 is not a message
    damaged_rows = tmp_path / "damaged.apkg"
    damaged_db = build_collection().write(tmp_path / "damaged.anki2")
    connection = sqlite3.connect(damaged_db)
    connection.execute("update revlog set ease = 'three' where cid = 1000")
    connection.commit()
    connection.close()
    zip_package(damaged_rows, damaged_db)
    truncated = tmp_path / "truncated.apkg"
    whole = zip_package(tmp_path / "whole.apkg", build_collection().write(tmp_path / "ok2.anki2")).read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    return {
        "not a zip": (text, "not an Anki package (not a zip file)"),
        "no collection": (empty_zip, "no Anki collection inside"),
        "corrupt sqlite": (corrupt_sqlite, "is not a readable Anki collection"),
        "garbage": (garbage, "is not a readable Anki collection"),
        "bad zstd": (bad_zstd, "is corrupt (zstd"),
        "no tables": (no_tables, "is not an Anki collection (no table cards, col, notes, revlog)"),
        "bad media map": (bad_media, "media list is not valid JSON"),
        "bad protobuf media map": (bad_protobuf, "its media list is corrupt"),
        "damaged rows": (damaged_rows, "is not a readable Anki collection (invalid literal"),
        "truncated": (truncated, "not an Anki package"),
        "missing": (tmp_path / "nope.apkg", "no such file"),
        "folder": (tmp_path, "is a folder"),
    }


def test_bad_inputs_give_one_error_line_and_import_nothing(srs, collection, tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    bad = _bad_inputs(tmp_path / "bad")
    for label, (path, message) in bad.items():
        result = srs("import-anki", str(path))
        assert result.exit_code == 1, (label, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), (label, result.output)
        assert message in lines[0], (label, lines[0])
        assert "Traceback" not in result.output
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 0
    assert not media_directory(collection).exists()


def test_failed_write_leaves_no_cards_and_no_media(collection, package: Path, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    import srs.store.anki as store

    def broken(session, incoming, now):  # type: ignore[no-untyped-def]
        store_import(session, incoming, now)
        raise SrsError("disk full (simulated)")

    store_import = store.store_import
    monkeypatch.setattr(store, "store_import", broken)
    with pytest.raises(SrsError, match="simulated"):
        import_anki(collection, package, now=now)
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 0
        assert session.scalar(select(func.count()).select_from(Review)) == 0
    assert not (media_directory(collection) / "cat.png").exists()


def test_media_name_clash_keeps_both_files(collection, tmp_path: Path, now: datetime) -> None:
    first = LegacyCollection()
    first.note(1, BASIC_ID, ['<img src="pic.png">', "one"], guid="g1")
    first.card(11, 1, 1)
    second = LegacyCollection()
    second.note(2, BASIC_ID, ['<img src="pic.png">', "two"], guid="g2")
    second.card(22, 2, 1)
    one = zip_package(tmp_path / "one.apkg", first.write(tmp_path / "one.anki2"), media={"pic.png": b"first picture"})
    two = zip_package(tmp_path / "two.apkg", second.write(tmp_path / "two.anki2"), media={"../../evil/pic.png": b"second picture"})
    import_anki(collection, one, now=now)
    import_anki(collection, two, now=now)
    media = media_directory(collection)
    files = sorted(p.name for p in media.iterdir())
    assert len(files) == 2 and "pic.png" in files
    with collection.read() as session:
        fronts = {c.back: c.front for c in session.scalars(select(Card))}
    assert fronts["one"] == f"![]({media / 'pic.png'})"
    other = next(name for name in files if name != "pic.png")
    assert fronts["two"] == f"![]({media / other})" and (media / other).read_bytes() == b"second picture"
    assert not (tmp_path / "evil").exists()


def test_duplicate_guid_in_a_damaged_package_is_skipped(collection, tmp_path: Path, now: datetime) -> None:
    anki = LegacyCollection()
    anki.note(1, BASIC_ID, ["first", "a"], guid="same")
    anki.note(2, BASIC_ID, ["second", "b"], guid="same")
    anki.card(11, 1, 1)
    anki.card(22, 2, 1)
    summary = import_anki(collection, zip_package(tmp_path / "d.apkg", anki.write(tmp_path / "d.anki2")), now=now)
    assert (summary.cards, summary.skipped_duplicates) == (1, 1)
    assert "GUID and ordinal repeat" in str(summary)


def test_media_map_json_is_read_from_legacy_package(tmp_path: Path) -> None:
    from srs.anki.package import read_package

    path = zip_package(tmp_path / "m.apkg", build_collection().write(tmp_path / "m.anki2"), media={"a b.png": b"1", "c.mp3": b"2"})
    package = read_package(path)
    assert package.media == {"a b.png": "0", "c.mp3": "1"}
    assert package.schema == 11 and json.loads(zipfile.ZipFile(path).read("media")) == {"0": "a b.png", "1": "c.mp3"}


def test_optimize_runs_on_imported_anki_history(srs, tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    anki = LegacyCollection()
    anki.deck(10, "History")
    when = T0
    for index in range(60):
        anki.note(500 + index, BASIC_ID, [f"question {index}", f"answer {index}"])
        anki.card(5000 + index, 500 + index, 10)
        when = T0 + index * 1000
        interval = 1
        for _ in range(9):
            anki.review(when, 5000 + index, rng.choice([1, 2, 3, 3, 3, 4]), 1)
            when += interval * DAY_MS
            interval = min(interval * 2, 60)
    package = zip_package(tmp_path / "history.apkg", anki.write(tmp_path / "history.anki2"))
    assert srs("import-anki", str(package)).exit_code == 0
    result = srs("optimize", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "of 540 reviews count for fitting" in result.output


def test_imported_cloze_note_exports_as_the_same_anki_cloze_note(collection, package: Path, tmp_path: Path, now: datetime) -> None:
    from srs.app.anki_export import CLOZE_MODEL_ID, export_apkg

    import_anki(collection, package, now=now)
    out = export_apkg(collection, tmp_path / "again.apkg", now=now).path
    with zipfile.ZipFile(out) as archive:
        archive.extract("collection.anki2", tmp_path / "again")
    connection = sqlite3.connect(tmp_path / "again" / "collection.anki2")
    try:
        (fields,) = connection.execute("select flds from notes where mid = ?", (CLOZE_MODEL_ID,)).fetchone()
        ords = sorted(row[0] for row in connection.execute("select ord from cards join notes on notes.id = cards.nid where notes.mid = ?", (CLOZE_MODEL_ID,)))
    finally:
        connection.close()
    text, extra, _source = fields.split("\x1f")
    assert text == "<p>{{c1::Paris}} is in {{c2::France}}, {{c3::Europe::continent}}</p>"
    assert extra == "<p>geo</p>"
    assert ords == [0, 1, 2]


def test_anki_notes_imported_then_exported_keep_their_guids(collection, tmp_path: Path, now: datetime) -> None:
    """Anki -> srs -> Anki: every note goes back as one note with its own GUID (a reversed note
    as one basic-and-reversed note, a note type of three templates as one note of three
    cards), so Anki finds the notes it has instead of adding copies; and srs reads its
    export back as the same cards."""
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ExportAnkiPackageOptions, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from srs.app.anki_export import BASIC_MODEL_ID, CLOZE_MODEL_ID, MULTI_MODEL_ID_BASE, REVERSED_MODEL_ID, export_apkg

    (tmp_path / "anki").mkdir()
    anki = AnkiCollection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        deck_id = anki.decks.id("French")
        vocab = anki.models.new("Vocab")
        for name in ("Word", "Meaning", "Example"):
            anki.models.add_field(vocab, anki.models.new_field(name))
        # Anki's own template names ("Card N"): Anki merges note types' templates by name
        for name, question, answer in (("Card 1", "{{Word}}", "{{Meaning}}"), ("Card 2", "{{Meaning}}", "{{Word}}"), ("Card 3", "{{Example}}", "{{Word}}")):
            template = anki.models.new_template(name)
            template["qfmt"], template["afmt"] = question, "{{FrontSide}}<hr id=answer>" + answer
            anki.models.add_template(vocab, template)
        anki.models.add(vocab)
        wanted = {"Basic": (BASIC_MODEL_ID, [0]), "Basic (and reversed card)": (REVERSED_MODEL_ID, [0, 1]), "Cloze": (CLOZE_MODEL_ID, [0, 1])}
        expected: dict[str, tuple[int, list[int]]] = {}  # GUID -> srs note type, card ordinals
        for model, guid, fields in (
            ("Basic", "", {"Front": "chat", "Back": "cat"}),
            ("Basic (and reversed card)", "", {"Front": "aller", "Back": "to go"}),
            ("Cloze", "", {"Text": "{{c1::Paris}} is in {{c2::France}}", "Back Extra": "geo"}),
            ("Vocab", "g,:;3", {"Word": "maison", "Meaning": "house", "Example": "Ma ___ est grande"}),  # GUIDs may hold ':'
            ("Vocab", "", {"Word": "chien", "Example": "Mon ___ aboie"}),  # no meaning: cards 1 and 3 only
        ):
            note = anki.new_note(anki.models.by_name(model))
            for name, value in fields.items():
                note[name] = value
            if guid:
                note.guid = guid
            anki.add_note(note, deck_id)
            ords = sorted(card.ord for card in note.cards())
            expected[note.guid] = wanted.get(model, (MULTI_MODEL_ID_BASE + 3, ords))
            if model == "Basic (and reversed card)":
                anki.sched.suspend_cards([card.id for card in note.cards() if card.ord == 1])
        assert [ords for _mid, ords in expected.values()][3:] == [[0, 1, 2], [0, 2]]
        anki.db.execute("update notes set mod = ?", T0 // 1000)  # older than srs's export (Anki updates from newer notes only)
        out = tmp_path / "french.apkg"
        anki.export_anki_package(out_path=str(out), options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False), limit=None)
        counts = (anki.note_count(), anki.card_count())
        card_ids = sorted(anki.db.list("select id from cards"))
    finally:
        anki.close()
    assert counts == (5, 10)

    import_anki(collection, out, now=now)
    back = export_apkg(collection, tmp_path / "back.apkg", now=now + timedelta(days=1)).path
    assert package_notes(back, tmp_path / "back") == expected
    connection = sqlite3.connect(tmp_path / "back" / "collection.anki2")
    try:
        suspended = connection.execute("select mid, ord from cards join notes on notes.id = cards.nid where queue = -1").fetchall()
    finally:
        connection.close()
    assert suspended == [(REVERSED_MODEL_ID, 1)]

    # Into the Anki collection the notes came from: no copies. Anki updates a note in place
    # only when its note type is the same: without "Merge note types" it reports the notes as
    # conflicting and leaves them; with it, it converts them to srs's note types.
    anki = AnkiCollection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        for merge, (conflicting, updated) in ((False, (5, 0)), (True, (0, 5))):
            request = ImportAnkiPackageRequest(package_path=str(back), options=ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=merge))
            log = anki.import_anki_package(request).log
            assert (len(log.new), len(log.conflicting), len(log.updated)) == (0, conflicting, updated)
            assert (anki.note_count(), anki.card_count()) == counts
        assert sorted(anki.db.list("select id from cards")) == card_ids
        (house,) = anki.find_notes('"Front 1:*maison*"')
        assert anki.get_note(house).note_type()["name"] == "srs Anki note (3 cards)"
    finally:
        anki.close()

    # and srs reads its own export back as the same cards (the Source field is not card text)
    from srs.store.collection import Collection

    def sides(opened: Collection) -> list[tuple[str, str, str]]:
        with opened.read() as session:
            return sorted((c.key, c.front, c.back) for c in session.scalars(select(Card)))

    other = Collection.open(str(tmp_path / "other.db"), now=now)
    try:
        import_anki(other, back, now=now)
        assert sides(other) == sides(collection)
    finally:
        other.close()
