"""``srs export --apkg``: packages that Anki's own library opens, with the right notes, cards,
decks, tags, cloze notes, math and media; exporting again updates instead of duplicating;
and a round trip export -> ``srs import-anki`` keeps every card."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from anki_builder import package_notes
from conftest import NOW
from factories import add_card
from sqlalchemy import func, select

from srs.anki.render_html import markdown_to_html
from srs.app.anki_export import BASIC_MODEL_ID, CLOZE_MODEL_ID, REVERSED_MODEL_ID, export_apkg
from srs.errors import SrsError
from srs.store.models import Card


def anki_import(package: Path, folder: Path):  # type: ignore[no-untyped-def]
    """Import ``package`` into a new Anki collection in ``folder`` with Anki's own importer
    (with "import scheduling" on, so that suspended cards stay suspended)."""
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    folder.mkdir(exist_ok=True)
    anki = AnkiCollection(str(folder / "collection.anki2"))
    log = anki.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)))
    return anki, log.log


def parser_key(variant: str, question: str) -> str:
    """A key in srs.domain.identity's form: kind, variant, file digest, heading digest, occurrence, question."""
    return "\x1f".join(("cloze", variant, "f" * 16, "h" * 16, "1", question))


def add_sample_cards(collection, now: datetime, notes: Path) -> None:  # type: ignore[no-untyped-def]
    notes.mkdir(exist_ok=True)
    (notes / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\ndiagram")
    (notes / "sub").mkdir(exist_ok=True)
    (notes / "sub" / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\nanother diagram, same name")
    with collection.write() as session:
        task = add_card(
            session,
            now=now,
            deck="Plan::Week 1",
            kind="task",
            front="Plan › Week 1 › Read the *attention* paper",
            back="Scaled dot product: $\\mathrm{softmax}(QK^T/\\sqrt{d_k})V$ where $a_1*b_2*c$\n\n```python\nprint(1 < 2)\n```\n\n![fig](diagram.png)",
            tags=" paper nlp ",
        )
        task.source_path = str(notes / "plan.md")
        task.source_line = 12
        other = add_card(session, now=now, deck="Plan::Week 2", kind="section", front="Other figure", back="![x](sub/diagram.png) ![y](missing.png)")
        other.source_path = str(notes / "plan.md")
        add_card(session, now=now, deck="Papers", kind="basic", front="capital of France", back="Paris", note_key="rev1", key="k:rev1:f")
        add_card(session, now=now, deck="Papers", kind="reversed", front="Paris", back="capital of France", note_key="rev1", key="k:rev1:r")
        # Cloze cards as srs's parser makes them: finished sides, the variant in the key.
        bert = "BERT uses masked language modelling"
        for variant, front in (("c1", "[...] uses masked language modelling"), ("c2", "BERT uses [objective] language modelling")):
            add_card(session, now=now, deck="Papers::NLP", kind="cloze", front=front, back=bert, note_key="cloze1", key=parser_key(variant, "{{c1::BERT}} uses {{c2::masked::objective}} language modelling"))
        adam = "Adam combines momentum and RMSProp"
        for answer in ("Adam", "momentum", "RMSProp"):
            add_card(session, now=now, deck="Papers::NLP", kind="cloze", front=adam.replace(answer, "[...]"), back=adam, note_key="cloze2", key=parser_key(f"={answer}", "==Adam== combines ==momentum== and ==RMSProp=="))
        # A card whose front still holds its cloze markup.
        add_card(session, now=now, deck="Bio", kind="cloze", front="The {{c1::mitochondria}} makes ATP", back="cells", note_key="cloze3")
        # Sides that no cloze note can give (the backs disagree): exported as basic notes.
        add_card(session, now=now, deck="Bio", kind="cloze", front="[...] is red", back="Blood is red", note_key="cloze4")
        add_card(session, now=now, deck="Bio", kind="cloze", front="Sky is [...]", back="Sky is blue", note_key="cloze4")
        retired = add_card(session, now=now, deck="Papers", front="retired question", back="gone")
        retired.retired_at = now
        suspended = add_card(session, now=now, deck="Papers", front="suspended question <script>alert(1)</script>", back="s")
        suspended.suspended = True


def test_export_opens_in_anki_with_right_counts(srs, collection, now: datetime, tmp_path: Path) -> None:
    add_sample_cards(collection, now, tmp_path / "notes")
    out = tmp_path / "srs.apkg"
    result = srs("export", "--apkg", str(out))
    assert result.exit_code == 0, result.output
    assert "Exported 13 cards as 9 Anki notes in 5 decks" in result.output
    assert "2 cloze card(s) could not be rebuilt" in result.output
    assert "1 image(s) not found" in result.output and "missing.png" in result.output

    anki, log = anki_import(out, tmp_path / "anki")
    try:
        assert len(log.new) == 9
        # 5 basic notes (task, section, suspended, 2 unrebuildable cloze cards) + 1 reversed
        # note (2 cards) + 3 cloze notes (2 + 3 + 1 cards)
        assert (anki.note_count(), anki.card_count()) == (9, 13)
        decks = {d.name for d in anki.decks.all_names_and_ids()}
        assert {"Plan", "Plan::Week 1", "Plan::Week 2", "Papers", "Papers::NLP", "Bio"} <= decks

        cloze_notes = anki.find_notes('"note:srs Cloze"')
        assert len(cloze_notes) == 3
        texts = sorted(anki.get_note(n)["Text"] for n in cloze_notes)
        assert texts == [
            "<p>The {{c1::mitochondria}} makes ATP</p>",
            "<p>{{c1::Adam}} combines {{c2::momentum}} and {{c3::RMSProp}}</p>",
            "<p>{{c1::BERT}} uses {{c2::masked::objective}} language modelling</p>",
        ]
        assert sorted(len(anki.get_note(n).cards()) for n in cloze_notes) == [1, 2, 3]
        assert all(anki.get_note(n).note_type()["type"] == 1 for n in cloze_notes)  # Anki's cloze kind

        reversed_notes = anki.find_notes('"note:srs Basic (and reversed card)"')
        assert len(reversed_notes) == 1 and len(anki.get_note(reversed_notes[0]).cards()) == 2

        (task_id,) = anki.find_notes("tag:paper")
        task = anki.get_note(task_id)
        assert sorted(task.tags) == ["nlp", "paper"]
        assert anki.decks.name(task.cards()[0].did) == "Plan::Week 1"
        assert "\\(\\mathrm{softmax}(QK^T/\\sqrt{d_k})V\\)" in task["Back"]
        assert "\\(a_1*b_2*c\\)" in task["Back"]  # math not mangled by emphasis
        assert "<em>attention</em>" in task["Front"]
        assert '<span style="color: #008000">print</span>' in task["Back"]  # highlighted, inline styles
        assert '<img src="diagram.png" alt="fig">' in task["Back"]
        assert task["Source"].endswith("plan.md:12")

        (suspended_id,) = anki.find_notes('"Front:*suspended question*"')
        suspended = anki.get_note(suspended_id)
        assert "&lt;script&gt;" in suspended["Front"] and "<script>" not in suspended["Front"]
        assert suspended.cards()[0].queue == -1
        assert not anki.find_notes('"Front:*retired question*"')

        media = sorted(p.name for p in Path(anki.media.dir()).iterdir())
        assert len(media) == 2 and "diagram.png" in media
        assert (Path(anki.media.dir()) / "diagram.png").read_bytes().endswith(b"\ndiagram")
    finally:
        anki.close()


def test_reexport_updates_notes_instead_of_duplicating(collection, now: datetime, tmp_path: Path) -> None:
    add_sample_cards(collection, now, tmp_path / "notes")
    first = tmp_path / "first.apkg"
    export_apkg(collection, first, now=now)
    with collection.write() as session:
        card = session.scalar(select(Card).where(Card.front == "capital of France"))
        card.back = "Paris (since 987)"
    second = tmp_path / "second.apkg"
    export_apkg(collection, second, now=now + timedelta(days=1))

    def guids(path: Path) -> set[str]:
        folder = tmp_path / path.stem
        folder.mkdir()
        with zipfile.ZipFile(path) as archive:
            archive.extract("collection.anki2", folder)
        connection = sqlite3.connect(folder / "collection.anki2")
        try:
            return {row[0] for row in connection.execute("select guid from notes")}
        finally:
            connection.close()

    first_guids, second_guids = guids(first), guids(second)
    assert first_guids == second_guids and len(first_guids) == 9

    anki, log = anki_import(first, tmp_path / "anki")
    try:
        from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        again = anki.import_anki_package(ImportAnkiPackageRequest(package_path=str(second), options=ImportAnkiPackageOptions(with_scheduling=True))).log
        # every note is matched by its GUID (Anki updates the ones whose export is newer)
        assert len(again.new) == 0 and len(again.duplicate) == 0 and len(again.updated) == 9
        assert (anki.note_count(), anki.card_count()) == (9, 13)
        (note_id,) = anki.find_notes('"Front:*capital of France*"')
        assert anki.get_note(note_id)["Back"] == "<p>Paris (since 987)</p>"
        models = {m["id"]: m["name"] for m in anki.models.all()}
        assert {BASIC_MODEL_ID, REVERSED_MODEL_ID, CLOZE_MODEL_ID} <= set(models)
    finally:
        anki.close()


def test_export_one_deck_and_errors(srs, collection, now: datetime, tmp_path: Path) -> None:
    empty = srs("export", "--apkg", str(tmp_path / "empty.apkg"))
    assert empty.exit_code == 1 and "Error: nothing to export" in empty.output
    add_sample_cards(collection, now, tmp_path / "notes")
    result = srs("export", "--apkg", str(tmp_path / "papers.apkg"), "--deck", "Papers")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "papers.apkg") as archive:
        archive.extract("collection.anki2", tmp_path / "papers")
    connection = sqlite3.connect(tmp_path / "papers" / "collection.anki2")
    try:
        assert connection.execute("select count(*) from notes").fetchone()[0] == 4  # reversed pair, suspended, 2 cloze
        assert connection.execute("select count(*) from cards").fetchone()[0] == 8
    finally:
        connection.close()

    unknown = srs("export", "--apkg", str(tmp_path / "x.apkg"), "--deck", "Nope")
    assert unknown.exit_code == 1 and "unknown deck 'Nope'" in unknown.output
    nowhere = srs("export", "--apkg", str(tmp_path / "no" / "such" / "x.apkg"))
    assert nowhere.exit_code == 1 and "no such folder" in nowhere.output
    wrong = srs("export", "--apkg", str(tmp_path / "x.zip"))
    assert wrong.exit_code == 1 and "must end in .apkg" in wrong.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".apkg", ".tmp", ".zip")) == ["papers.apkg"]


def test_failed_export_leaves_no_file(collection, now: datetime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import genanki

    add_sample_cards(collection, now, tmp_path / "notes")
    out = tmp_path / "out.apkg"
    out.write_bytes(b"previous export")

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(genanki.Package, "write_to_db", broken)
    with pytest.raises(SrsError, match="No space left"):
        export_apkg(collection, out, now=now)
    assert out.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.apkg")] == []


def test_round_trip_export_then_import_keeps_every_card(collection, now: datetime, tmp_path: Path) -> None:
    from srs.app.anki_import import import_anki
    from srs.store.collection import Collection

    add_sample_cards(collection, now, tmp_path / "notes")
    out = tmp_path / "trip.apkg"
    summary = export_apkg(collection, out, now=now)
    with collection.read() as session:
        originals = session.scalars(select(Card).where(Card.retired_at.is_(None))).all()
        expected = sorted((c.deck.name, c.kind) for c in originals)
        texts = {c.front: c.back for c in originals if c.kind in ("basic", "reversed")}
        tags = sorted(sorted(c.tags.split()) for c in originals if c.tags)
        bert, adam = "BERT uses masked language modelling", "Adam combines momentum and RMSProp"
        originals_cloze = [c for c in originals if c.kind == "cloze" and c.back in (bert, adam)]
        assert len(originals_cloze) == 5

    other = Collection.open(str(tmp_path / "other.db"), now=now)
    try:
        result = import_anki(other, out, now=now)
        assert result.cards == summary.cards == len(expected) == 13
        with other.read() as session:
            imported = session.scalars(select(Card)).all()
            kinds = {"task": "anki", "section": "anki", "basic": "anki", "reversed": "anki", "cloze": "cloze"}
            # the two cloze cards exported as basic notes come back as basic ("anki") cards
            wanted = sorted((deck, kinds[kind]) for deck, kind in expected if deck != "Bio") + [("Bio", "anki"), ("Bio", "anki"), ("Bio", "cloze")]
            got = sorted((c.deck.name, c.kind) for c in imported)
            assert got == sorted(wanted)
            assert sorted(k for d, k in got if d == "Bio") == ["anki", "anki", "cloze"]
            # Same text, or text that renders the same (raw HTML comes back escaped)
            rendered = lambda pairs: sorted((markdown_to_html(f), markdown_to_html(b)) for f, b in pairs)  # noqa: E731
            back_again = [(c.front, c.back) for c in imported if c.kind == "anki" and c.front in texts or "suspended" in c.front]
            assert rendered(back_again) == rendered(texts.items())
            assert {c.front: c.back for c in imported if c.front in texts} == {f: b for f, b in texts.items() if "<" not in f}
            assert sorted(sorted(c.tags.split()) for c in imported if c.tags) == tags
            task = next(c for c in imported if "attention" in c.front)
            assert task.front == "Plan › Week 1 › Read the *attention* paper"
            assert "$\\mathrm{softmax}(QK^T/\\sqrt{d_k})V$" in task.back and "$a_1*b_2*c$" in task.back
            assert "```python\nprint(1 < 2)\n```" in task.back
            assert "plan.md" not in task.back  # the Source field is not card text
            # parser-made cloze cards come back with the same sides
            parser_made = sorted((c.front, c.back) for c in originals_cloze)
            assert sorted((c.front, c.back) for c in imported if c.kind == "cloze" and c.back in (bert, adam)) == parser_made
            mito = next(c for c in imported if "mitochondria" in c.back)
            assert (mito.front, mito.back) == ("The [...] makes ATP", "The mitochondria makes ATP\n\ncells")
            assert session.scalar(select(func.count()).select_from(Card).where(Card.suspended.is_(True))) == 1
    finally:
        other.close()


NOTE = """---
title: Attention Is All You Need
tags: [paper, nlp]
---
# Attention Is All You Need

## Scaled dot-product attention

$\\mathrm{softmax}(QK^T/\\sqrt{d_k})V$, where $d_k$ is the key dimension.

![figure](fig.png)

## Facts

{{c1::Multi-head}} attention runs {{c2::several::how many?}} attention layers in parallel.

==Adam== with ==warmup== was the optimiser.

Why divide by $\\sqrt{d_k}$? :: To keep the softmax out of its flat regions.

Encoder:::Decoder
"""


def test_markdown_notes_to_anki_and_back(srs, tmp_path: Path) -> None:
    """The whole path a user takes: srs import of Markdown notes, srs export --apkg, Anki
    opens it, and srs import-anki into another collection gives the same cards."""
    notes = tmp_path / "notes" / "Papers"
    notes.mkdir(parents=True)
    (notes / "attention.md").write_text(NOTE, encoding="utf-8")
    (notes / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\nfigure")
    assert srs("import", str(tmp_path / "notes")).exit_code == 0
    out = tmp_path / "papers.apkg"
    result = srs("export", "--apkg", str(out))
    assert result.exit_code == 0, result.output
    assert "Exported 8 cards as 5 Anki notes in 1 deck" in result.output and "could not be rebuilt" not in result.output

    anki, _log = anki_import(out, tmp_path / "anki")
    try:
        assert (anki.note_count(), anki.card_count()) == (5, 8)
        texts = sorted(anki.get_note(n)["Text"] for n in anki.find_notes('"note:srs Cloze"'))
        assert texts == [
            "<p>{{c1::Adam}} with {{c2::warmup}} was the optimiser.</p>",
            "<p>{{c1::Multi-head}} attention runs {{c2::several::how many?}} attention layers in parallel.</p>",
        ]
        assert sorted(os_name.name for os_name in Path(anki.media.dir()).iterdir()) == ["fig.png"]
    finally:
        anki.close()

    other = tmp_path / "other.db"
    back = srs("--db", str(other), "import-anki", str(out))
    assert back.exit_code == 0, back.output
    from srs.store.collection import Collection

    def sides(url: str) -> list[tuple[str, str, str]]:
        opened = Collection.open(url, now=datetime(2026, 3, 2, tzinfo=timezone.utc))
        try:
            with opened.read() as session:
                media = str(tmp_path / "media") + "/"  # imported images live in media/ beside other.db
                return sorted((c.kind if c.kind == "cloze" else "qa", c.front, c.back.replace(media, "")) for c in session.scalars(select(Card)))
        finally:
            opened.close()

    import os

    imported, original = sides(str(other)), sides(os.environ["SRS_DB"])
    assert len(imported) == 8 and imported == original
    assert (tmp_path / "media" / "fig.png").read_bytes() == b"\x89PNG\r\n\x1a\nfigure"


EDITED = """# Transformers

## Attention

What does attention compute? :: A weighted sum of the values.

HBM:::high-bandwidth memory

In scaled dot-product attention the {{c1::queries}} are compared with the {{c2::keys}}, and the scores weigh the values.

- [x] Read the attention paper

  Attention is a weighted sum of the values.
"""


def test_guids_survive_typo_fixes_heading_renames_file_moves_and_deletion_changes(srs, collection, tmp_path: Path) -> None:
    """srs keeps a card (its id) when its question's typo is fixed, its heading renamed or its
    file moved, though its key and note key change: the Anki notes keep their GUIDs, so Anki
    updates them instead of adding new ones. A cloze note that gains a deletion, or loses one
    that is not its oldest, keeps its GUID too."""
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    notes = tmp_path / "notes" / "Papers"
    notes.mkdir(parents=True)
    note = notes / "attention.md"
    note.write_text(EDITED, encoding="utf-8")
    exports: list[Path] = []

    def step(edit: tuple[str, str] | None = None) -> tuple[dict[str, tuple[int, list[int]]], dict[int, tuple[str, str]]]:
        if edit is not None:
            text = note.read_text(encoding="utf-8")
            assert edit[0] in text
            note.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
        later = NOW + timedelta(days=len(exports))  # Anki updates a note from a newer export only
        result = srs("import", str(tmp_path / "notes"), now=later)
        assert result.exit_code == 0, result.output
        out = tmp_path / f"e{len(exports) + 1}.apkg"
        assert srs("export", "--apkg", str(out), now=later).exit_code == 0
        exports.append(out)
        with collection.read() as session:
            cards = {c.id: (c.key, c.note_key) for c in session.scalars(select(Card).where(Card.retired_at.is_(None)))}
        return package_notes(out, tmp_path / out.stem), cards

    first, cards = step()
    assert len(first) == 4 and len(cards) == 6  # task, Q::A, Q:::A pair, cloze note of 2
    ords = {mid: o for mid, o in first.values()}
    assert ords[CLOZE_MODEL_ID] == [0, 1] and ords[REVERSED_MODEL_ID] == [0, 1]

    # a typo fixed in a question: same card, new key
    fixed, after = step(("What does attention compute?", "What does the attention compute?"))
    assert after.keys() == cards.keys() and after != cards and fixed == first
    # a renamed heading: every card keeps its id, every key and note key changes
    renamed, after = step(("## Attention\n", "## Attention layers\n"))
    assert after.keys() == cards.keys() and all(after[i][0] != cards[i][0] for i in cards) and renamed == first
    # a moved file (another folder, so another deck)
    moved_to = notes / "old" / "attention.md"
    moved_to.parent.mkdir()
    note.rename(moved_to)
    note = moved_to
    moved, moved_cards = step()
    assert moved_cards.keys() == cards.keys() and all(moved_cards[i] != after[i] for i in cards) and moved == first
    # the cloze note gains a deletion, then loses it again (not its oldest card)
    gained, after = step(("weigh the values", "weigh the {{c3::values}}"))
    assert set(cards) < set(after) and len(after) == 7
    assert gained == {guid: (mid, o + [2] if mid == CLOZE_MODEL_ID else o) for guid, (mid, o) in first.items()}
    lost, after = step(("{{c3::values}}", "values"))
    assert after.keys() == cards.keys() and lost == first

    anki, log = anki_import(exports[0], tmp_path / "anki")
    try:
        assert (anki.note_count(), len(log.new)) == (4, 4)
        for later in exports[1:]:
            request = ImportAnkiPackageRequest(package_path=str(later), options=ImportAnkiPackageOptions(with_scheduling=True))
            again = anki.import_anki_package(request).log
            assert (len(again.new), len(again.conflicting), len(again.updated)) == (0, 0, 4), later.name
            assert anki.note_count() == 4, later.name
        assert anki.card_count() == 7  # Anki keeps the note's third card (an "empty card" now)
        (question,) = anki.find_notes('"Front:*the attention compute*"')
        assert anki.get_note(question)["Source"].endswith("old/attention.md:5")
    finally:
        anki.close()


def test_guid_rule_and_collisions(collection, now: datetime, tmp_path: Path) -> None:
    """A note's GUID comes from its type and its lowest card id; a package never holds one GUID
    twice, even when it holds an srs card and the copy of it that came back from Anki."""
    from srs.app.anki_export_plan import choose_guids, note_guid
    from srs.app.anki_import import import_anki

    with collection.write() as session:
        single = add_card(session, now=now, deck="Papers", front="capital of Italy", back="Rome")
        pair = [
            add_card(session, now=now, deck="Papers", kind="basic", front="Rome", back="Roma", note_key="pair", key="k:pair:f"),
            add_card(session, now=now, deck="Papers", kind="reversed", front="Roma", back="Rome", note_key="pair", key="k:pair:r"),
        ]
        cloze = [
            add_card(session, now=now, deck="Papers", kind="cloze", front=front, back="Rome is in Italy", note_key="cloze", key=parser_key(v, "{{c1::Rome}} is in {{c2::Italy}}"))
            for v, front in (("c1", "[...] is in Italy"), ("c2", "Rome is in [...]"))
        ]
        ids = (single.id, min(c.id for c in pair), min(c.id for c in cloze))
    first = package_notes(export_apkg(collection, tmp_path / "first.apkg", now=now).path, tmp_path / "first")
    assert set(first) == {note_guid("basic", "card-id", str(ids[0])), note_guid("reversed", "card-id", str(ids[1])), note_guid("cloze", "card-id", str(ids[2]))}

    # the export comes back through import-anki into the same collection: its notes are srs's
    # own cards (matched by card, no copy made), so the next export writes the same notes
    summary = import_anki(collection, tmp_path / "first.apkg", now=now)
    assert (summary.cards, summary.srs_cards) == (0, 5)
    second = package_notes(export_apkg(collection, tmp_path / "second.apkg", now=now).path, tmp_path / "second")
    assert second == first

    from srs.anki.notetypes import MAX_TEMPLATES, MULTI_MODEL_ID_BASE
    from srs.app.anki_import import SRS_NOTETYPE_IDS

    exported = {BASIC_MODEL_ID, REVERSED_MODEL_ID, CLOZE_MODEL_ID, *(MULTI_MODEL_ID_BASE + n for n in range(2, MAX_TEMPLATES + 1))}
    assert SRS_NOTETYPE_IDS == exported  # import-anki knows every note type the export writes
    assert choose_guids([("a", "x"), ("x", None), ("b", "b"), ("c", "y"), ("d", "y")]) == ["a", "x", "b", "y", "d"]
    repeated = choose_guids([("a", None), ("a", None)])
    assert repeated[0] == "a" and len(set(repeated)) == 2
