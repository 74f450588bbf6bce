"""Review-history CSV: parsing (bad rows with line numbers) and ``srs import-revlog``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import FIXTURES
from factories import add_card, add_reviews
from sqlalchemy import func, select

from srs.domain.revlog_rows import parse_card_map, parse_revlog
from srs.domain.scheduling import SchedulerSettings
from srs.errors import SrsError
from srs.store.models import Card, Review
from srs.store.presets import preset_for_deck
from srs.store.reviews import card_memory, replayed_memory

BAD_ROWS = FIXTURES / "revlog" / "bad_rows.csv"
UTC = timezone.utc


def _dump(collection) -> tuple[list[tuple], list[tuple]]:  # type: ignore[no-untyped-def]
    """Every column of every card and review, for before/after comparisons."""
    with collection.read() as session:
        cards = [tuple(row) for row in session.execute(select(Card.__table__).order_by(Card.id))]
        reviews = [tuple(row) for row in session.execute(select(Review.__table__).order_by(Review.id))]
    return cards, reviews


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# --- parsing ----------------------------------------------------------------------------------


def test_parse_reports_each_bad_row_with_its_line_and_keeps_the_good_ones(now: datetime) -> None:
    rows = parse_revlog(BAD_ROWS.read_text(), path=str(BAD_ROWS), now=now)
    assert [(r.line, r.card_id, r.rating) for r in rows.records] == [(2, "c1", 3), (3, "c1", 3), (8, "c2", 3), (13, "c3", 2)]
    assert rows.records[2].reviewed_at == datetime(2025, 1, 5, 9, 0, tzinfo=UTC)  # milliseconds since 1970
    assert rows.records[3].reviewed_at == datetime(2025, 1, 6, 2, 0, tzinfo=UTC)  # +08:00 converted to UTC
    assert rows.records[3].duration_ms == 2500 and rows.records[2].duration_ms is None
    problems = {p.line: p.message for p in rows.problems}
    assert sorted(problems) == [4, 5, 6, 9, 10, 11, 12, 14, 15]
    assert "review_rating '7'" in problems[4]
    assert "no UTC offset" in problems[5]
    assert "not-a-time" in problems[6]
    assert "review_duration -5" in problems[9]
    assert "2 fields" in problems[10]
    assert "card_id is empty" in problems[11]
    assert "duplicate of line 3" in problems[12]
    assert "before 2000" in problems[14]
    assert "in the future" in problems[15]
    assert rows.data_rows == 13  # the blank line is not a row


def test_parse_finds_columns_by_name_in_any_order_and_ignores_others(now: datetime) -> None:
    text = "Review_Time,review_state,CARD_ID,review_rating\n2025-01-05T09:00:00Z,0,a,3\n"
    rows = parse_revlog(text, path="x.csv", now=now)
    assert [(r.card_id, r.rating, r.reviewed_at, r.duration_ms) for r in rows.records] == [("a", 3, datetime(2025, 1, 5, 9, tzinfo=UTC), None)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("card_id,review_time\n", "missing column review_rating"),
        ("id,rating,time\n1,3,2025-01-01T00:00:00Z\n", "missing columns card_id, review_rating, review_time"),
    ],
)
def test_a_file_without_the_required_columns_is_refused(text: str, message: str, now: datetime) -> None:
    with pytest.raises(SrsError) as error:
        parse_revlog(text, path="log.csv", now=now)
    assert message in str(error.value)
    assert str(error.value).startswith("log.csv")


def test_card_map_parsing_refuses_any_bad_row() -> None:
    assert parse_card_map("card_id,srs_card_id\na,3\nb,4\n", path="m.csv")["b"].srs_card_id == 4
    with pytest.raises(SrsError, match=r"m\.csv:3: srs_card_id 'x'"):
        parse_card_map("card_id,srs_card_id\na,3\nb,x\n", path="m.csv")
    with pytest.raises(SrsError, match=r"m\.csv:3: card_id a is mapped twice"):
        parse_card_map("card_id,srs_card_id\na,3\na,4\n", path="m.csv")


# --- srs import-revlog ------------------------------------------------------------------------


def test_cli_import_reports_bad_rows_and_imports_the_rest(srs, collection) -> None:  # type: ignore[no-untyped-def]
    result = srs("import-revlog", str(BAD_ROWS))
    assert result.exit_code == 0, result.output
    for line in (4, 5, 6, 9, 10, 11, 12, 14, 15):
        assert f"Warning: {BAD_ROWS}:{line}: " in result.stderr
    assert "row skipped" in result.stderr
    assert "Imported 4 reviews of 3 cards" in result.stdout
    assert "bad rows skipped" in result.stdout and "9 of 13" in result.stdout
    with collection.read() as session:
        cards = session.scalars(select(Card).order_by(Card.external_id)).all()
        assert [(c.external_id, c.kind, c.origin, c.deck.name, c.reps) for c in cards] == [
            ("c1", "imported", "revlog", "Imported", 2),
            ("c2", "imported", "revlog", "Imported", 1),
            ("c3", "imported", "revlog", "Imported", 1),
        ]
        for card in cards:
            settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
            assert card_memory(card) == replayed_memory(session, card, settings)
        durations = session.scalars(select(Review.duration_ms).order_by(Review.reviewed_at, Review.id)).all()
        assert sorted(d for d in durations if d is not None) == [2500, 6000, 8000]


def test_reimporting_the_same_file_adds_nothing(srs, collection) -> None:  # type: ignore[no-untyped-def]
    assert srs("import-revlog", str(BAD_ROWS), "--deck", "History::Old").exit_code == 0
    before = _dump(collection)
    again = srs("import-revlog", str(BAD_ROWS))
    assert again.exit_code == 0, again.output
    assert "Imported 0 reviews of 0 cards" in again.stdout
    assert "reviews already in the collection" in again.stdout and "4" in again.stdout
    assert _dump(collection) == before


def test_dry_run_counts_exactly_and_changes_nothing(srs, collection) -> None:  # type: ignore[no-untyped-def]
    before = _dump(collection)
    dry = srs("import-revlog", str(BAD_ROWS), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would import 4 reviews of 3 cards" in dry.stdout and "Dry run: nothing changed." in dry.stdout
    assert _dump(collection) == before


def test_new_reviews_of_a_known_card_merge_into_its_log(srs, collection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = _write(tmp_path / "a.csv", ["card_id,review_rating,review_time", "k,3,2025-01-01T10:00:00Z", "k,3,2025-01-10T10:00:00Z"])
    assert srs("import-revlog", str(first)).exit_code == 0
    # A later export of the same history: one review in between, one after, and the old two again.
    second = _write(
        tmp_path / "b.csv",
        ["card_id,review_rating,review_time", "k,3,2025-01-01T10:00:00Z", "k,1,2025-01-04T10:00:00Z", "k,3,2025-01-10T10:00:00Z", "k,4,2025-02-01T10:00:00Z"],
    )
    result = srs("import-revlog", str(second))
    assert result.exit_code == 0, result.output
    assert "Imported 2 reviews of 1 card" in result.stdout
    with collection.read() as session:
        card = session.scalars(select(Card)).one()
        ratings = session.scalars(select(Review.rating).where(Review.card_id == card.id).order_by(Review.reviewed_at)).all()
        assert ratings == [3, 1, 3, 4]
        settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
        assert card_memory(card) == replayed_memory(session, card, settings)


def test_map_file_attaches_reviews_to_existing_cards(srs, collection, now: datetime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with collection.write() as session:
        card = add_card(session, now=now, deck="Notes")
        add_reviews(session, card, [(3, now - timedelta(days=3))])
        card_id = card.id
    log = _write(tmp_path / "log.csv", ["card_id,review_rating,review_time,review_duration", f"x9,3,{(now - timedelta(days=20)).isoformat()},1000", f"x9,1,{(now - timedelta(days=10)).isoformat()},"])
    mapping = _write(tmp_path / "map.csv", ["card_id,srs_card_id", f"x9,{card_id}"])
    result = srs("import-revlog", str(log), "--map", str(mapping))
    assert result.exit_code == 0, result.output
    assert "existing cards given reviews" in result.stdout
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 1  # no placeholder
        card = session.get(Card, card_id)
        assert card is not None and card.reps == 3
        ratings = session.scalars(select(Review.rating).where(Review.card_id == card_id).order_by(Review.reviewed_at)).all()
        assert ratings == [3, 1, 3]  # the imported history comes before the card's own review
        settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
        assert card_memory(card) == replayed_memory(session, card, settings)


def test_map_file_naming_a_missing_card_imports_nothing(srs, collection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = _write(tmp_path / "log.csv", ["card_id,review_rating,review_time", "a,3,2025-01-01T10:00:00Z", "b,3,2025-01-01T10:00:00Z"])
    mapping = _write(tmp_path / "map.csv", ["card_id,srs_card_id", "b,999"])
    before = _dump(collection)
    result = srs("import-revlog", str(log), "--map", str(mapping))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {mapping}:2: no card with id 999 in the collection (for card_id b)"
    assert _dump(collection) == before


def test_a_file_with_no_valid_row_is_an_error_listing_every_bad_row(srs, collection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = _write(tmp_path / "log.csv", ["card_id,review_rating,review_time", "a,9,2025-01-01T10:00:00Z", "b,3,yesterday"])
    result = srs("import-revlog", str(log))
    assert result.exit_code == 1
    assert f"Warning: {log}:3: review_time 'yesterday'" in result.stderr
    assert f"Error: {log}:2: review_rating '9' is not 1, 2, 3 or 4 (Again, Hard, Good, Easy) (and 1 more bad row); nothing imported" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"card_id,review_rating\n", ":1: missing column review_time"),
        (b"card_id,review_rating,review_time\n\xff\xfe\n", ":2: not UTF-8 text"),
        (None, ": no such file"),
    ],
)
def test_unreadable_files_are_one_error_line(srs, collection, tmp_path: Path, content: bytes | None, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "log.csv"
    if content is not None:
        path.write_bytes(content)
    result = srs("import-revlog", str(path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}") and expected in lines[0]


def test_real_log_imports_every_review(srs, collection) -> None:  # type: ignore[no-untyped-def]
    from conftest import shared_path

    path = next(shared_path("revlogs").glob("*.csv"))
    result = srs("import-revlog", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 12,580 reviews of 1,205 cards" in result.stdout
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 12_580
        assert session.scalar(select(func.count()).select_from(Card).where(Card.origin == "revlog")) == 1_205


def test_two_histories_never_merge_into_one_card(srs, collection, now: datetime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = _write(tmp_path / "log.csv", ["card_id,review_rating,review_time", "a,3,2025-01-01T10:00:00Z", "b,3,2025-01-02T10:00:00Z"])
    assert srs("import-revlog", str(log)).exit_code == 0
    with collection.read() as session:
        a_id = session.scalars(select(Card.id).where(Card.external_id == "a")).one()
    mapping = _write(tmp_path / "map.csv", ["card_id,srs_card_id", f"b,{a_id}"])
    before = _dump(collection)
    result = srs("import-revlog", str(log), "--map", str(mapping))
    assert result.exit_code == 1
    assert f"card_id a and b would both go to card {a_id}" in result.stderr
    assert _dump(collection) == before


def test_far_future_and_over_wide_rows_are_skipped_counted_and_named(srs, collection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 21, defect 5: a time past year 9999 in milliseconds aborted the whole file with a
    false "the collection is damaged"; a row with more fields than the header was taken."""
    log = _write(
        tmp_path / "log.csv",
        [
            "card_id,review_rating,review_time,review_duration",
            "c1,3,1735722000000,5000",
            "c1,3,253402300800000,5000",  # 10000-01-01: past what a time can hold
            "c1,3,99999999999999999999,5000",
            "c2,3,4102444800000,5000",  # 2100-01-01: a time, but in the future
            "c2,3,1735808400000,4000,extra",
            "c2,3,1735808400000,4000",
        ],
    )
    result = srs("import-revlog", str(log))
    assert result.exit_code == 0, result.output
    assert "damaged" not in result.output
    assert f"Warning: {log}:3: review_time 253402300800000 is out of range" in result.stderr
    assert f"Warning: {log}:4: review_time 99999999999999999999 is out of range" in result.stderr
    assert f"Warning: {log}:5: review_time 4102444800000 is in the future" in result.stderr
    assert f"Warning: {log}:6: 5 fields where the header has 4" in result.stderr
    assert "Imported 2 reviews of 2 cards" in result.stdout and "4 of 6" in result.stdout


def test_a_map_row_with_more_fields_than_its_header_refuses_the_map(tmp_path: Path) -> None:
    with pytest.raises(SrsError, match="3 fields where the header has 2"):
        parse_card_map("card_id,srs_card_id\nc1,1,2\n", path="map.csv")


def test_a_huge_field_is_quoted_cut_short(now: datetime) -> None:
    rows = parse_revlog("card_id,review_rating,review_time\nc1,3,1735722000000\nc1," + "7" * 100_000 + ",1735722000001\n", path="x.csv", now=now)
    assert [p.message for p in rows.problems] == ["review_rating '" + "7" * 60 + "… (100,000 characters) is not 1, 2, 3 or 4 (Again, Hard, Good, Easy)"]


def test_a_generated_log_imports_every_review(srs, collection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The real-log check above on a history this repository generates (a fresh clone has no
    ../shared): every row is imported, one placeholder card per CSV card."""
    from revlog_data import write_revlog

    path = tmp_path / "generated.csv"
    total = write_revlog(path, cards=400, reviews_per_card=9, seed=5, start=datetime(2019, 1, 1, 8, tzinfo=UTC))
    result = srs("import-revlog", str(path))
    assert result.exit_code == 0, result.output
    assert f"Imported {total:,} reviews of 400 cards" in result.stdout
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == total == 3_600
        assert session.scalar(select(func.count()).select_from(Card).where(Card.origin == "revlog")) == 400
