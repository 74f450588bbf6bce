"""``srs check [--fix]``: each kind of damage, planted with raw SQL, is found and repaired."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from damage import corrupt_index, corrupt_table, integrity, plant, query
from factories import add_card, add_reviews
from sqlalchemy import func, select

from srs.app.check import check_collection
from srs.domain.scheduling import SchedulerSettings
from srs.store.collection import Collection
from srs.store.models import Card, Review
from srs.store.presets import get_preset
from srs.store.reviews import card_memory, replayed_memory


def _fill(collection: Collection, now: datetime, cards: int = 4) -> list[int]:
    ids = []
    with collection.write() as session:
        for number in range(cards):
            card = add_card(session, now=now, deck="Papers::NLP", front=f"question {number} [bold]not markup[/bold]")
            add_reviews(session, card, [(3, now), (3, now + timedelta(minutes=10)), (1 + number % 4, now + timedelta(days=3))])
            ids.append(card.id)
    return ids


def _all_states_replay(collection: Collection) -> bool:
    with collection.read() as session:
        for card in session.scalars(select(Card)):
            settings = SchedulerSettings.from_preset(get_preset(session))
            if card_memory(card) != replayed_memory(session, card, settings):
                return False
    return True


def test_clean_collection_has_no_problems(collection: Collection, now: datetime, srs) -> None:
    _fill(collection, now)
    result = srs("check")
    assert result.exit_code == 0, result.output
    assert "4 cards, 12 reviews" in result.output
    assert "No problems found." in result.output
    report = check_collection(collection, now=now)
    assert report.findings == [] and report.problems_left == 0


def test_state_that_differs_from_the_log_is_found_and_replayed(collection: Collection, now: datetime, srs, db_url: str) -> None:
    ids = _fill(collection, now)
    plant(db_url, ("update cards set stability = 99.5, reps = 7, due = :due where id = :id", {"due": 1, "id": ids[1]}),
          ("update cards set state = 0 where id = :id", {"id": ids[2]}))
    result = srs("check")
    assert result.exit_code == 1
    assert "2 cards whose stored state differs from the replay of their review log" in result.output
    assert f'card {ids[1]} "question 1 [bold]not markup[/bold]"' in result.output  # note text shown literally
    assert "srs check --fix would: set them to the replay" in result.output
    assert not _all_states_replay(collection)

    fixed = srs("check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "fixed: set them to the replay" in fixed.output
    assert "Repaired 1 of 1 kind of problem." in fixed.output
    assert _all_states_replay(collection)
    assert "No problems found." in srs("check").output


def test_reviews_without_a_card_are_rehomed_on_a_retired_placeholder(collection: Collection, now: datetime, srs, db_url: str) -> None:
    ids = _fill(collection, now, cards=2)
    # A card deleted while foreign keys were off: its log stays behind.
    plant(db_url, ("delete from cards where id = :id", {"id": ids[0]}))
    before = query(db_url, "select id, card_id, rating, reviewed_at from reviews order by id")
    result = srs("check")
    assert result.exit_code == 1
    assert "3 reviews of 1 missing card" in result.output
    assert f"card {ids[0]}: 3 reviews" in result.output

    fixed = srs("check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "fixed: keep the history on a retired placeholder card" in fixed.output
    assert query(db_url, "select id, card_id, rating, reviewed_at from reviews order by id") == before  # nothing lost
    with collection.read() as session:
        placeholder = session.get(Card, ids[0])
        assert placeholder is not None
        assert placeholder.retired_at == now and placeholder.suspended is True
        assert placeholder.deck.name == "Orphaned reviews"
        assert placeholder.reps == 3  # its state is the replay of the kept log
    assert _all_states_replay(collection)
    assert srs("check").exit_code == 0


def test_cards_whose_file_is_gone_are_retired(collection: Collection, now: datetime, srs, db_url: str, tmp_path: Path) -> None:
    kept, gone = tmp_path / "kept.md", tmp_path / "gone.md"
    kept.write_text("# kept\n")
    ids = _fill(collection, now, cards=3)
    plant(
        db_url,
        ("update cards set source_path = :p where id = :id", {"p": str(kept), "id": ids[0]}),
        ("update cards set source_path = :p where id in (:a, :b)", {"p": str(gone), "a": ids[1], "b": ids[2]}),
    )
    result = srs("check")
    assert result.exit_code == 1
    assert "2 cards from 1 file that no longer exists" in result.output
    assert str(gone) in result.output and str(kept) not in result.output

    assert srs("check", "--fix").exit_code == 0
    retired = query(db_url, "select id from cards where retired_at is not null order by id")
    assert retired == [(ids[1],), (ids[2],)]
    assert query(db_url, "select count(*) from reviews") == [(9,)]  # history kept
    assert srs("check").exit_code == 0


def test_decks_without_preset_and_cards_without_deck(collection: Collection, now: datetime, srs, db_url: str) -> None:
    ids = _fill(collection, now, cards=2)
    plant(
        db_url,
        "insert into decks (id, name, preset_id, created_at) values (50, 'Lost', 77, 0)",
        ("update cards set deck_id = 555 where id = :id", {"id": ids[1]}),
    )
    result = srs("check")
    assert result.exit_code == 1
    assert "1 deck without a preset" in result.output and "deck 'Lost' (preset 77 is missing)" in result.output
    assert "1 card without a deck" in result.output

    assert srs("check", "--fix").exit_code == 0
    default_id = query(db_url, "select id from presets where name = 'Default'")[0][0]
    assert query(db_url, "select preset_id from decks where id = 50") == [(default_id,)]
    assert query(db_url, "select d.name from cards c join decks d on d.id = c.deck_id where c.id = :id", {"id": ids[1]}) == [("Default",)]
    assert srs("check").exit_code == 0


def test_invalid_preset_values_and_settings_are_reset(collection: Collection, now: datetime, srs, db_url: str) -> None:
    _fill(collection, now, cards=1)
    plant(
        db_url,
        "update presets set desired_retention = 5.0, maximum_interval = -3, learning_steps = '[-60]' where name = 'Default'",
        ("insert into settings (key, value) values ('backup_keep', :v)", {"v": '"lots"'}),
        ("insert into settings (key, value) values ('some_other_feature', :v)", {"v": '{"x": 1}'}),
    )
    result = srs("check")
    assert result.exit_code == 1
    assert "3 preset values out of range" in result.output
    assert "1 invalid collection setting (backup_keep)" in result.output
    assert "some_other_feature" not in result.output  # keys srs config does not own are left alone

    assert srs("check", "--fix").exit_code == 0
    assert query(db_url, "select desired_retention, maximum_interval from presets where name = 'Default'") == [(0.9, 36500)]
    assert query(db_url, "select key from settings order by key") == [("some_other_feature",)]
    assert "backup_keep" in srs("config", "show").output
    assert srs("check").exit_code == 0


@pytest.mark.parametrize("value", ["", "(none)"])
def test_empty_learning_steps_are_valid(collection: Collection, now: datetime, srs, db_url: str, value: str) -> None:
    """No (re)learning steps is a valid FSRS configuration: set, shown as (none), set again
    from what config show printed, and srs check leaves it alone."""
    _fill(collection, now, cards=2)
    assert srs("config", "set", "learning_steps", value).exit_code == 0
    assert srs("config", "set", "relearning_steps", value).exit_code == 0
    assert _steps(collection) == ([], [])
    shown = srs("config", "show").output
    assert re.search(r"│ learning_steps +│ \(none\)", shown) and re.search(r"│ relearning_steps +│ \(none\)", shown)
    assert srs("reschedule", "--yes").exit_code == 0  # the cards follow the new steps
    result = srs("check")
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output
    assert srs("check", "--fix").exit_code == 0
    assert _steps(collection) == ([], [])


def _steps(collection: Collection) -> tuple[list[int], list[int]]:
    with collection.read() as session:
        preset = get_preset(session)
        return list(preset.learning_steps), list(preset.relearning_steps)


def test_reviews_with_an_invalid_rating_are_deleted(collection: Collection, now: datetime, srs, db_url: str) -> None:
    ids = _fill(collection, now, cards=1)
    plant(db_url,
          ("update reviews set rating = 9 where card_id = :id and reviewed_at = (select max(reviewed_at) from reviews where card_id = :id)", {"id": ids[0]}))
    result = srs("check")
    assert result.exit_code == 1
    assert "1 review with a rating other than 1-4" in result.output
    assert srs("check", "--fix").exit_code == 0
    assert query(db_url, "select count(*) from reviews") == [(2,)]
    assert _all_states_replay(collection)
    assert srs("check").exit_code == 0


def test_dangling_source_link_is_cleared(collection: Collection, now: datetime, srs, db_url: str) -> None:
    ids = _fill(collection, now, cards=1)
    plant(db_url, ("update cards set source_id = 4242 where id = :id", {"id": ids[0]}),
          "insert into sources (id, path, root_id, size, mtime_ns, content_hash, imported_at) values (7, '/x.md', 99, 1, 1, 'h', 0)")
    result = srs("check")
    assert "1 card linked to a missing source record" in result.output
    assert "1 source record linked to a missing import root" in result.output
    assert srs("check", "--fix").exit_code == 0
    assert query(db_url, "select source_id from cards") == [(None,)]
    assert query(db_url, "select root_id from sources") == [(None,)]


def test_every_kind_of_damage_at_once_is_repaired_in_one_run(collection: Collection, now: datetime, srs, db_url: str) -> None:
    ids = _fill(collection, now, cards=5)
    plant(
        db_url,
        ("update cards set stability = 1.0 where id = :id", {"id": ids[0]}),
        ("delete from cards where id = :id", {"id": ids[1]}),
        ("update cards set source_path = '/nonexistent/notes.md' where id = :id", {"id": ids[2]}),
        "update presets set desired_retention = 2.0",
        ("update cards set deck_id = 999 where id = :id", {"id": ids[3]}),
    )
    report = check_collection(collection, now=now)
    assert {f.kind for f in report.findings} == {"state", "orphan", "missing_file", "preset", "card_deck"}
    fixed = check_collection(collection, now=now, fix=True)
    assert all(f.fixed for f in fixed.findings) and fixed.problems_left == 0
    again = check_collection(collection, now=now)
    assert again.findings == [], again.lines()
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Review)) == 15


@pytest.mark.sqlite_only
def test_damaged_index_is_found_and_rebuilt(collection: Collection, now: datetime, srs, db_path: Path) -> None:
    _fill(collection, now, cards=30)
    collection.close()
    corrupt_index(str(db_path), "ix_reviews_time")
    assert integrity(str(db_path)) != ["ok"]
    result = srs("check")
    assert result.exit_code == 1
    assert "database integrity check failed" in result.output
    assert "missing from index ix_reviews_time" in result.output
    fixed = srs("check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "fixed: rebuild the indexes" in fixed.output
    assert integrity(str(db_path)) == ["ok"]


@pytest.mark.sqlite_only
def test_damaged_table_is_reported_with_restore_advice_and_the_rest_still_checked(collection: Collection, now: datetime, srs, db_path: Path) -> None:
    _fill(collection, now, cards=30)
    collection.close()
    corrupt_table(str(db_path), "reviews")
    assert integrity(str(db_path)) != ["ok"]
    result = srs("check")
    assert result.exit_code == 1
    assert "Error" not in result.output and "Traceback" not in result.output
    assert "database integrity check failed" in result.output
    assert "restore a backup (srs backup --list, srs restore)" in result.output
    skipped = [line for line in result.output.splitlines() if line.startswith("Not checked (")]
    assert len(skipped) == 1 and "card states against their logs" in skipped[0]  # it reads every review
    before = db_path.read_bytes()
    fixed = srs("check", "--fix")
    assert fixed.exit_code == 1
    assert "cannot be fixed here: the damage is not in the indexes: restore a backup" in fixed.output
    assert "Repaired nothing: the database itself is damaged" in fixed.output
    assert db_path.read_bytes() == before  # nothing written into the damaged file
    other = srs("export", "--json", str(db_path.with_suffix(".json")))  # reads every row
    assert other.exit_code == 1
    assert other.output == "Error: database error: database disk image is malformed (the collection is damaged: run srs check)\n"


@pytest.mark.sqlite_only
def test_a_time_stored_as_text_is_reported_by_check_and_stops_other_commands_with_one_line(
    collection: Collection, now: datetime, srs, db_url: str, tmp_path: Path
) -> None:
    ids = _fill(collection, now, cards=3)
    review = query(db_url, "select min(id) from reviews where card_id = :id", {"id": ids[2]})[0][0]
    plant(db_url, ("update cards set due = '2030-01-01' where id = :id", {"id": ids[0]}))
    for command in (("stats",), ("export", "--json", str(tmp_path / "out.json"))):
        result = srs(*command)
        assert result.exit_code == 1, command
        assert result.output == "Error: the collection is damaged: a time is stored as '2030-01-01'; run srs check to find and repair it\n"
    plant(
        db_url,
        ("update cards set created_at = 'yesterday' where id = :id", {"id": ids[1]}),
        ("update reviews set reviewed_at = 'noon' where id = :id", {"id": review}),
    )
    result = srs("check")
    assert result.exit_code == 1
    assert "3 stored times that cannot be read as times" in result.output
    assert f"card {ids[0]}: due = '2030-01-01'" in result.output
    assert f"card {ids[1]}: created_at = 'yesterday'" in result.output
    assert f"review {review}: reviewed_at = 'noon'" in result.output
    assert "card states" not in result.output  # the other cards are still compared with their logs

    fixed = srs("check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "Repaired 1 of 1 kind of problem." in fixed.output
    assert query(db_url, "select count(*) from reviews where id = :id", {"id": review}) == [(0,)]  # it cannot be replayed
    assert _all_states_replay(collection)  # the card's due, and the card that lost a review, are their replay
    assert srs("check").exit_code == 0
    assert srs("stats").exit_code == 0


def test_a_time_out_of_the_range_of_dates_is_found_and_repaired(collection: Collection, now: datetime, srs, db_url: str) -> None:
    ids = _fill(collection, now, cards=2)
    plant(db_url, ("update reviews set due = :far where card_id = :id", {"far": 9 * 10**18, "id": ids[1]}))
    before = query(db_url, "select id from reviews where card_id = :id order by id", {"id": ids[1]})
    result = srs("export", "--json", "out.json")
    assert result.exit_code == 1 and result.output.startswith("Error: the collection is damaged: a time is stored as 9000000000000000000;")
    checked = srs("check")
    assert checked.exit_code == 1 and f"review {before[0][0]}: due = 9000000000000000000" in checked.output
    assert srs("check", "--fix").exit_code == 0
    assert query(db_url, "select id from reviews where card_id = :id order by id", {"id": ids[1]}) == before  # kept, due recomputed
    with collection.read() as session:
        for row in session.scalars(select(Review).where(Review.card_id == ids[1])):
            assert row.due == row.reviewed_at + timedelta(days=row.scheduled_days)
    assert srs("check").exit_code == 0


def test_check_of_a_large_collection_is_chunked(collection: Collection, now: datetime) -> None:
    """More cards than one chunk: every card is compared, each mismatch found once."""
    from srs.store import check as q

    with collection.write() as session:
        for number in range(25):
            card = add_card(session, now=now)
            add_reviews(session, card, [(3, now + timedelta(minutes=number))])
    with collection.read() as session:
        logs = list(q.card_logs(session, chunk=7))
    assert len(logs) == 25 and len({log.card_id for log in logs}) == 25
    assert all(len(log.events) == 1 for log in logs)


def test_invalid_index_on_the_server_is_found_and_rebuilt(collection: Collection, now: datetime, srs, db_url: str) -> None:
    if "://" not in db_url:
        pytest.skip("the PostgreSQL run checks this (SQLite's index damage is tested above)")
    _fill(collection, now, cards=3)
    plant(db_url, "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_reviews_time'::regclass")
    result = srs("check")
    assert result.exit_code == 1
    assert "database integrity check failed" in result.output and "index ix_reviews_time is invalid" in result.output
    fixed = srs("check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "fixed: rebuild the indexes" in fixed.output
    assert query(db_url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_reviews_time'::regclass") == [(True,)]


def test_card_logs_skips_any_number_of_unreadable_cards(collection: Collection, now: datetime) -> None:
    from srs.store.check import card_logs

    with collection.write() as session:
        kept = [add_card(session, now=now) for _ in range(3)]
        add_reviews(session, kept[1], [(3, now)])
        ids = [card.id for card in kept]
    skip = {ids[0], *range(10**6, 10**6 + 40_000)}  # more than SQLite's bound parameters
    with collection.read() as session:
        logs = list(card_logs(session, chunk=2, skip=skip))
    assert [log.card_id for log in logs] == ids[1:] and len(logs[0].events) == 1
