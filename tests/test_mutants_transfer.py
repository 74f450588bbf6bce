"""The JSON transfer's value checks and summary line, pinned value by value (make mutate, area
transfer): each rule of srs/domain/transfer_values.py with a value just inside and just outside
its edge, and the exact words of every refusal. Expectations are written out by hand from the
rules (README: a rating is 1-4, a state 0-3, a count is not negative, a time has a UTC offset and
lies in the years 1970 to 2199, a number is finite), never read from the code's constants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_transfer import other_url  # noqa: F401 - the fixture: a second, empty collection on the same backend

from srs.app.transfer import TransferSummary, export_json, import_json
from srs.domain.transfer_values import BadValue, load_value
from srs.errors import SrsError
from srs.store.collection import Collection

UTC = timezone.utc
INT64 = (-(2**63), 2**63 - 1)


def refused(kind: str, value: object, *, nullable: bool = False, where: tuple[str, str] = ("", ""), limits: tuple[int, int] = INT64) -> str:
    with pytest.raises(BadValue) as caught:
        load_value(kind, value, nullable, where, limits)
    return str(caught.value)


# --- whole numbers ---------------------------------------------------------------------------


def test_whole_numbers_inside_their_range_are_kept_as_they_are() -> None:
    assert load_value("int", 0, False) == 0
    assert load_value("int", -(2**63), False) == -(2**63)
    assert load_value("int", 2**63 - 1, False) == 2**63 - 1
    assert load_value("int", 5, False, ("x", "y"), (5, 9)) == 5
    assert load_value("int", 9, False, ("x", "y"), (5, 9)) == 9


def test_whole_numbers_just_outside_their_range_are_refused_with_the_range() -> None:
    assert refused("int", 2**63) == "9223372036854775808 is out of range (-9223372036854775808 to 9223372036854775807)"
    assert refused("int", -(2**63) - 1) == "-9223372036854775809 is out of range (-9223372036854775808 to 9223372036854775807)"
    assert refused("int", 4, limits=(5, 9)) == "4 is out of range (5 to 9)"
    assert refused("int", 10, limits=(5, 9)) == "10 is out of range (5 to 9)"


def test_the_default_range_is_64_bits() -> None:
    assert load_value("int", 2**63 - 1, False) == 2**63 - 1
    with pytest.raises(BadValue):
        load_value("int", 2**63, False)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(True, "True"), (False, "False"), ("3", "'3'"), (3.0, "3.0"), ([3], "[3]"), ({"n": 3}, "{'n': 3}")],
)
def test_anything_but_a_whole_number_is_refused_as_such(value: object, shown: str) -> None:
    assert refused("int", value) == f"expected a whole number, got {shown}"


@pytest.mark.parametrize("where", [("reviews", "rating")])
def test_a_rating_is_1_to_4(where: tuple[str, str]) -> None:
    for rating in (1, 2, 3, 4):
        assert load_value("int", rating, False, where) == rating
    for rating in (0, 5, 7, -1):
        assert refused("int", rating, where=where) == f"rating {rating} is not 1 (again), 2 (hard), 3 (good) or 4 (easy)"


@pytest.mark.parametrize("where", [("reviews", "state"), ("reviews", "state_before"), ("cards", "state")])
def test_a_state_is_0_to_3(where: tuple[str, str]) -> None:
    for state in (0, 1, 2, 3):
        assert load_value("int", state, False, where) == state
    for state in (-1, 4):
        assert refused("int", state, where=where) == f"state {state} is not 0 (new), 1 (learning), 2 (review) or 3 (relearning)"


@pytest.mark.parametrize(
    "where",
    [("reviews", "duration_ms"), ("reviews", "step"), ("cards", "step"), ("cards", "reps"), ("cards", "lapses"), ("sources", "size")],
)
def test_counts_and_durations_are_not_negative(where: tuple[str, str]) -> None:
    assert load_value("int", 0, False, where) == 0
    assert load_value("int", 1, False, where) == 1
    assert refused("int", -1, where=where) == "-1 is negative"


@pytest.mark.parametrize("where", [("reviews", "card_id"), ("cards", "due_days"), ("", "")])
def test_other_whole_numbers_may_be_negative_or_any_value(where: tuple[str, str]) -> None:
    assert load_value("int", -1, False, where) == -1
    assert load_value("int", 7, False, where) == 7


def test_the_range_is_checked_before_the_meaning() -> None:
    assert refused("int", 10**30, where=("reviews", "rating")).startswith("1000000000000000000000000000000 is out of range")
    assert refused("int", -(2**64), where=("reviews", "duration_ms")).endswith("is out of range (-9223372036854775808 to 9223372036854775807)")


# --- null -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["int", "time", "bool", "float", "text", "json"])
def test_null_only_where_the_column_allows_it(kind: str) -> None:
    assert load_value(kind, None, True) is None
    assert refused(kind, None) == "must not be null"


# --- times ----------------------------------------------------------------------------------


def test_a_time_with_an_offset_is_read_in_utc() -> None:
    moment = load_value("time", "2026-03-02T12:00:00+02:00", False)
    assert moment == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)
    assert load_value("time", "2026-03-02T12:00:00Z", False) == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2026-03-02T12:00:00", "2026-03-02", "2026-03-02 12:00:00.5"])
def test_a_time_without_an_offset_is_refused(value: str) -> None:
    assert refused("time", value) == f"time {value!r} has no UTC offset"


@pytest.mark.parametrize(("value", "shown"), [(1772452800, "1772452800"), (True, "True"), ("yesterday", "'yesterday'"), ("", "''"), (["2026"], "['2026']")])
def test_what_is_not_an_iso_time_is_refused_as_such(value: object, shown: str) -> None:
    assert refused("time", value) == f"expected an ISO 8601 time, got {shown}"


def test_times_from_1970_to_the_end_of_2199_are_stored() -> None:
    assert load_value("time", "1970-01-01T00:00:00+00:00", False) == datetime(1970, 1, 1, tzinfo=UTC)
    assert load_value("time", "2199-12-31T23:59:59.999999+00:00", False) == datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert load_value("time", "1970-01-01T01:00:00+01:00", False) == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "1969-12-31T23:59:59.999999+00:00",
        "1970-01-01T00:59:59+01:00",  # 23:59:59 on the last day of 1969 in UTC
        "2200-01-01T00:00:00+00:00",
        "2199-12-31T23:00:00-01:00",  # midnight of 2200 in UTC
        "9999-12-31T23:00:00-01:00",  # past year 9999 in UTC
        "0001-01-01T00:00:00+00:00",
    ],
)
def test_times_just_outside_1970_to_2199_are_refused(value: str) -> None:
    assert refused("time", value) == f"time {value!r} is outside the years 1970 to 2199"


# --- booleans, numbers, text ----------------------------------------------------------------


def test_booleans_are_true_or_false_only() -> None:
    assert load_value("bool", True, False) is True
    assert load_value("bool", False, False) is False
    assert refused("bool", 1) == "expected true or false, got 1"
    assert refused("bool", "true") == "expected true or false, got 'true'"


def test_numbers_are_finite_and_read_as_floats() -> None:
    value = load_value("float", 3, False)
    assert value == 3.0 and type(value) is float
    assert load_value("float", -0.5, False) == -0.5
    assert refused("float", float("nan")) == "NaN is not a finite number"
    assert refused("float", float("inf")) == "Infinity is not a finite number"
    assert refused("float", float("-inf")) == "-Infinity is not a finite number"
    assert refused("float", True) == "expected a number, got True"
    assert refused("float", "1.5") == "expected a number, got '1.5'"


def test_text_is_a_string() -> None:
    assert load_value("text", "", False) == ""
    assert load_value("text", "Q::A", False) == "Q::A"
    assert refused("text", 3) == "expected text, got 3"
    assert refused("text", ["a"]) == "expected text, got ['a']"


def test_json_columns_take_any_json_value() -> None:
    for value in ({"a": [1, 2]}, [1], "x", 3, 1.5, True):
        assert load_value("json", value, False) == value


def test_a_long_refused_value_is_quoted_short() -> None:
    message = refused("int", "x" * 5000)
    assert message.startswith("expected a whole number, got 'xxx")
    assert "(5,000 characters)" in message and len(message) < 120


# --- the summary line -------------------------------------------------------------------------


def summary(action: str, counts: dict[str, int], size: int) -> str:
    return str(TransferSummary(action, Path("out/c.json"), counts, size))


def test_summary_names_each_count_in_the_singular_or_plural() -> None:
    counts = {"cards": 1, "reviews": 2, "decks": 1, "presets": 0}
    assert summary("Exported", counts, 2048) == "Exported 1 card, 2 reviews, 1 deck, 0 presets to out/c.json (2.0 KiB)."
    assert summary("Imported", {"cards": 3, "reviews": 1, "decks": 2, "presets": 1}, 512) == "Imported 3 cards, 1 review, 2 decks, 1 preset from out/c.json (0.5 KiB)."
    assert summary("Imported", {}, 0) == "Imported 0 cards, 0 reviews, 0 decks, 0 presets from out/c.json (0.0 KiB)."


def test_summary_size_is_in_kib_below_one_mib_and_in_mib_from_it() -> None:
    counts = {"cards": 1, "reviews": 1, "decks": 1, "presets": 1}
    assert summary("Exported", counts, 1024 * 1024 - 1).endswith("(1024.0 KiB).")
    assert summary("Exported", counts, 1024 * 1024).endswith("(1.0 MiB).")
    assert summary("Exported", counts, 1024 * 1024 + 512).endswith("(1.0 MiB).")
    assert summary("Exported", counts, 100 * 1024 * 1024).endswith("(100.0 MiB).")
    assert summary("Exported", counts, 1536).endswith("(1.5 KiB).")


def test_summary_says_how_many_cards_were_replayed_only_when_some_were() -> None:
    counts = {"cards": 2, "reviews": 4, "decks": 1, "presets": 1}
    assert summary("Imported", {**counts, "replayed_cards": 2}, 2048) == (
        "Imported 2 cards, 4 reviews, 1 deck, 1 preset from out/c.json (2.0 KiB). 2 cards were replayed under the study-day rule (the file predates it)."
    )
    assert summary("Imported", {**counts, "replayed_cards": 0}, 2048) == "Imported 2 cards, 4 reviews, 1 deck, 1 preset from out/c.json (2.0 KiB)."


# --- the reader: the place and words of each refusal ---------------------------------------------

@pytest.fixture
def empty_export(collection: Collection, now: datetime, tmp_path: Path) -> dict:
    import json

    export_json(collection, tmp_path / "empty.json", now=now)
    return json.loads((tmp_path / "empty.json").read_text())


def _import_text(text: str, other_url: str, now: datetime, tmp_path: Path) -> str:  # noqa: F811
    path = tmp_path / "in.json"
    path.write_text(text)
    with Collection.open(other_url, now=now) as target, pytest.raises(SrsError) as caught:
        import_json(target, path, now=now)
    return str(caught.value)


def _tables_text(document: dict, tables: str) -> str:
    """The document with its "tables" object written out as ``tables`` (raw JSON text)."""
    import json

    head = {key: value for key, value in document.items() if key != "tables"}
    return json.dumps(head)[:-1] + ', "tables": ' + tables + "}"


def test_columns_must_be_a_list_of_distinct_names(empty_export: dict, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    for columns in ('"id"', '["id", 3]', '["id", "id"]'):
        message = _import_text(_tables_text(empty_export, '{"decks": {"columns": ' + columns + ', "rows": []}}'), other_url, now, tmp_path)
        assert message.endswith('table decks: "columns" must be a list of distinct names'), message


def test_a_table_without_rows_holds_none(empty_export: dict, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    import json

    assert empty_export["counts"]["decks"] == 0
    empty_export["tables"]["decks"] = {"columns": empty_export["tables"]["decks"]["columns"]}
    path = tmp_path / "in.json"
    path.write_text(json.dumps(empty_export))
    with Collection.open(other_url, now=now) as target:
        summary = import_json(target, path, now=now)
    assert summary.counts["decks"] == 0 and summary.counts["presets"] == 1


def test_a_row_list_missing_a_comma_or_cut_short_is_named(empty_export: dict, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    import json

    columns = json.dumps(empty_export["tables"]["presets"]["columns"])
    row = json.dumps(empty_export["tables"]["presets"]["rows"][0])
    table = '{"presets": {"columns": ' + columns + ', "rows": [' + row + " " + row + "]}}"
    message = _import_text(_tables_text(empty_export, table), other_url, now, tmp_path)
    assert "expected ',' or ']' after a row of presets, found '['" in message, message
    cut = _tables_text(empty_export, '{"presets": {"columns": ' + columns + ', "rows": [[1, "x')
    message = _import_text(cut, other_url, now, tmp_path)
    assert message.endswith("the file ends inside a row of presets (truncated?)"), message


def test_tables_twice_out_of_order_or_rows_before_columns_are_named(empty_export: dict, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    import json

    presets = json.dumps(empty_export["tables"]["presets"])
    twice = _import_text(_tables_text(empty_export, '{"presets": ' + presets + ', "presets": ' + presets + "}"), other_url, now, tmp_path)
    assert twice.endswith("table 'presets' appears twice"), twice
    decks = json.dumps(empty_export["tables"]["decks"])
    order = _import_text(_tables_text(empty_export, '{"decks": ' + decks + ', "presets": ' + presets + "}"), other_url, now, tmp_path)
    assert "table 'presets' comes after a table that refers to it (expected the order " in order, order
    columns = json.dumps(empty_export["tables"]["presets"]["columns"])
    rows_first = _import_text(_tables_text(empty_export, '{"presets": {"rows": [], "columns": ' + columns + "}}"), other_url, now, tmp_path)
    assert rows_first.endswith('table presets: "columns" must come before "rows"'), rows_first


def test_a_file_cut_right_after_a_comma_is_truncated_not_invalid(empty_export: dict, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    import json

    columns = json.dumps(empty_export["tables"]["presets"]["columns"])
    cut = _tables_text(empty_export, '{"presets": {"columns": ' + columns + ', "rows": [[1,')[:-1]  # no closing brace
    assert cut.endswith('"rows": [[1,')
    message = _import_text(cut, other_url, now, tmp_path)
    assert message.endswith("the file ends inside a row of presets (truncated?)"), message


def test_times_are_read_in_utc_whatever_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        moment = load_value("time", "2026-03-02T12:00:00+02:00", False)
        assert moment.utcoffset() == timedelta(0) and moment.hour == 10
    finally:
        monkeypatch.undo()
        time.tzset()


def test_many_rows_and_a_value_longer_than_a_read_chunk_round_trip(collection: Collection, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    # more rows than one insert batch (2,000) and a value longer than one read of the file (1 MiB)
    import json

    from factories import add_card

    with collection.write() as session:
        add_card(session, now=now, deck="Big", front="long", back="x" * (1_200_000))
    export_json(collection, tmp_path / "one.json", now=now)
    document = json.loads((tmp_path / "one.json").read_text())
    sources = document["tables"]["sources"]
    assert sources["rows"] == []
    decks = document["tables"]["decks"]
    template = decks["rows"][0]
    id_at, name_at = decks["columns"].index("id"), decks["columns"].index("name")
    for number in range(2, 2_102):
        row = list(template)
        row[id_at], row[name_at] = number + 100, f"Extra::{number}"
        decks["rows"].append(row)
    document["counts"]["decks"] = len(decks["rows"])
    (tmp_path / "many.json").write_text(json.dumps(document))
    with Collection.open(other_url, now=now) as target:
        summary = import_json(target, tmp_path / "many.json", now=now)
    assert summary.counts["decks"] == 2_101 and summary.counts["cards"] == 1
    with Collection.open(other_url, now=now) as target, target.read() as session:
        from sqlalchemy import func, select

        from srs.store.models import Card, Deck

        assert session.scalar(select(func.count()).select_from(Deck)) == 2_101
        assert session.scalar(select(func.length(Card.back))) == 1_200_000


def test_the_documents_own_refusals(empty_export: dict, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    import json

    with Collection.open(other_url, now=now) as target, pytest.raises(SrsError) as caught:
        import_json(target, tmp_path / "missing.json", now=now)
    assert str(caught.value).endswith("no such file") and "missing.json" in str(caught.value)
    without_tables = {key: value for key, value in empty_export.items() if key != "tables"}
    assert _import_text(json.dumps(without_tables), other_url, now, tmp_path).endswith('no "tables" in the file')
    trailing = _import_text(json.dumps(empty_export) + "\nx", other_url, now, tmp_path)
    assert trailing.endswith("unexpected text after the end of the document"), trailing


def test_a_table_left_out_whose_header_count_is_zero_imports(empty_export: dict, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    import json

    assert empty_export["counts"]["sources"] == 0
    del empty_export["tables"]["sources"]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(empty_export))
    with Collection.open(other_url, now=now) as target:
        summary = import_json(target, path, now=now)
    assert summary.counts.get("sources", 0) == 0 and summary.counts["presets"] == 1


def test_the_header_names_the_srs_that_wrote_it_and_a_compact_file_imports(collection: Collection, other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    import json

    from factories import add_card

    from srs import __version__

    with collection.write() as session:
        add_card(session, now=now, deck="Übung", front="Frage", back="Antwort")
    export_json(collection, tmp_path / "out.json", now=now)
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert (document["format"], document["srs"]) == ("srs-collection", __version__)
    (tmp_path / "compact.json").write_text(json.dumps(document, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    with Collection.open(other_url, now=now) as target:
        summary = import_json(target, tmp_path / "compact.json", now=now)
    assert (summary.counts["cards"], summary.counts["decks"]) == (1, 1)


def test_a_folder_given_as_the_file_is_named_in_the_refusal(other_url: str, now: datetime, tmp_path: Path) -> None:  # noqa: F811
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    with Collection.open(other_url, now=now) as target, pytest.raises(SrsError) as caught:
        import_json(target, folder, now=now)
    assert "a-folder.json" in str(caught.value)
