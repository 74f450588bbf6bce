"""``srs stats`` and ``srs stats curve`` through the command line, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import NOW
from factories import add_card, add_reviews
from sqlalchemy import select, update

from srs.app.synthetic import SyntheticSpec, write_synthetic
from srs.store.models import Deck, Preset

UTC = timezone.utc
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def history(collection):  # type: ignore[no-untyped-def]
    """A small synthetic history in deck Papers::NLP (60 cards, about 500 reviews)."""
    with collection.write() as session:
        session.execute(update(Preset).values(timezone="Asia/Shanghai", day_start_hour=4))
    write_synthetic(collection, SyntheticSpec(cards=60, reviews=500, span_days=120, seed=3), now=NOW, deck="Papers::NLP")
    return collection


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _no_traceback(result) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_empty_collection_is_a_friendly_message(srs) -> None:  # type: ignore[no-untyped-def]
    result = srs("stats")
    assert result.exit_code == 0 and "No cards or reviews yet" in result.output and "srs import" in result.output
    result = srs("stats", "curve")
    assert result.exit_code == 0 and "No reviews to draw a forgetting curve from yet" in result.output
    data = _json(srs("stats", "--json"))
    assert data["version"] == 1 and data["cards"]["total"] == 0 and data["reviews"]["total"] == 0
    assert data["retention"]["all_time"]["total"] == {"passed": 0, "failed": 0, "total": 0, "rate": None}
    assert data["retrievability"]["mean"] is None and data["at_risk"] == [] and data["streak"]["current"] == 0
    curve = _json(srs("stats", "curve", "--json"))
    assert curve["bins"] == [] and curve["calibration"]["log_loss"] is None


def test_an_empty_collection_writes_no_meaningless_chart(srs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for args in (("stats",), ("stats", "curve")):
        target = tmp_path / "empty.png"
        result = srs(*args, "--output", str(target))
        assert result.exit_code == 0 and "Nothing to chart yet" in result.output and not target.exists()


OVERVIEW_KEYS = {
    "version", "kind", "generated_at", "deck", "timezone", "day_start_hour", "today", "cards", "reviews",
    "streak", "retention", "forecast", "heatmap", "retrievability", "at_risk",
}  # fmt: skip


def test_overview_json_schema(srs, history) -> None:  # type: ignore[no-untyped-def]
    data = _json(srs("stats", "--json"))
    assert set(data) == OVERVIEW_KEYS
    assert (data["version"], data["kind"], data["deck"], data["timezone"], data["day_start_hour"]) == (1, "overview", None, "Asia/Shanghai", 4)
    assert data["today"] == "2026-03-02" and data["generated_at"] == NOW.isoformat()
    assert set(data["cards"]) == {"total", "new", "learning", "review", "relearning", "suspended", "retired"}
    assert data["cards"]["total"] == 60
    # (the span of 120 days holds about 410 of the 500 reviews asked for: intervals from a review
    # a study day after the previous one grow as in Anki, longer than by 24-hour periods)
    assert set(data["reviews"]) == {"total", "today", "today_time_ms"} and 400 <= data["reviews"]["total"] <= 500
    assert set(data["streak"]) == {"current", "longest", "studied_today", "days_studied", "days"}
    assert list(data["retention"]) == ["today", "yesterday", "last_7_days", "last_30_days", "last_365_days", "all_time"]
    for row in data["retention"].values():
        assert set(row) == {"young", "mature", "total"}
        for part in row.values():
            assert set(part) == {"passed", "failed", "total", "rate"} and part["total"] == part["passed"] + part["failed"]
        assert row["total"]["passed"] == row["young"]["passed"] + row["mature"]["passed"]
    assert data["retention"]["all_time"]["total"]["total"] > 100
    assert set(data["forecast"]) == {"overdue", "days"} and len(data["forecast"]["days"]) == 30
    assert data["forecast"]["days"][0] == {**data["forecast"]["days"][0], "date": "2026-03-02"}
    assert set(data["forecast"]["days"][0]) == {"date", "review", "learning", "total"}
    assert set(data["heatmap"]) == {"start", "end", "weeks", "days"} and data["heatmap"]["weeks"] == 26
    assert data["heatmap"]["end"] == "2026-03-02" and data["heatmap"]["days"][-1]["date"] == "2026-03-02"
    assert sum(d["reviews"] for d in data["heatmap"]["days"]) <= data["reviews"]["total"]
    bins = data["retrievability"]["bins"]
    assert len(bins) == 20 and bins[0]["low"] == 0.0 and bins[-1]["high"] == 1.0 and sum(b["cards"] for b in bins) == 60
    assert 0 < data["retrievability"]["mean"] < 1
    assert len(data["at_risk"]) == 10
    assert set(data["at_risk"][0]) == {"card_id", "deck", "front", "retrievability", "stability_days", "last_review", "due"}
    risks = [card["retrievability"] for card in data["at_risk"]]
    assert risks == sorted(risks) and data["at_risk"][0]["deck"] == "Papers::NLP"


def test_curve_and_card_json_schema(srs, history) -> None:  # type: ignore[no-untyped-def]
    curve = _json(srs("stats", "curve", "--json"))
    assert set(curve) == {"version", "kind", "generated_at", "deck", "decay", "bins_per_decade", "bins", "calibration", "calibration_long_term"}
    assert (curve["version"], curve["kind"], curve["decay"], curve["bins_per_decade"]) == (1, "forgetting_curve", [0.1542], 4)
    first = curve["bins"][0]
    assert set(first) == {"low_days", "high_days", "mean_elapsed_days", "reviews", "recalled", "recall_rate", "predicted", "standard_error"}
    assert all(b["low_days"] <= b["mean_elapsed_days"] < b["high_days"] for b in curve["bins"])
    assert sum(b["reviews"] for b in curve["bins"]) == curve["calibration"]["reviews"]
    assert set(curve["calibration"]) == {"reviews", "recall_rate", "predicted", "log_loss", "rmse_bins"}
    assert curve["calibration_long_term"]["reviews"] < curve["calibration"]["reviews"]
    card = _json(srs("stats", "curve", "--card", "1", "--json"))
    assert (card["version"], card["kind"], card["card"]["id"], card["card"]["deck"]) == (1, "card_curve", 1, "Papers::NLP")
    assert set(card) == {"version", "kind", "generated_at", "card", "decay", "retrievability_now", "reviews", "curve", "curve_cut_at"}
    assert set(card["reviews"][0]) == {"reviewed_at", "rating", "elapsed_days", "retrievability", "stability_days", "difficulty", "state", "due"}
    assert card["reviews"][0]["retrievability"] is None and all(r["retrievability"] is not None for r in card["reviews"][1:])
    assert card["curve"][0]["retrievability"] == pytest.approx(1.0) and 0 < card["retrievability_now"] <= 1


@pytest.mark.parametrize(
    ("arguments", "suffix"),
    [(("stats",), ".png"), (("stats", "curve"), ".svg"), (("stats",), ".html"), (("stats", "curve"), ".html"), (("stats", "curve", "--card", "2"), ".png")],
)
def test_reports_are_valid_files(srs, history, tmp_path: Path, arguments: tuple[str, ...], suffix: str) -> None:  # type: ignore[no-untyped-def]
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    target = tmp_path / f"report{suffix}"
    result = srs(*arguments, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {target}"
    data = target.read_bytes()
    if suffix == ".png":
        assert data.startswith(PNG_SIGNATURE) and len(data) > 20_000
    elif suffix == ".svg":
        assert ElementTree.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
    else:
        text = data.decode("utf-8")
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>") and "<svg" in text and "<table>" in text
        payload = text.split('<script type="application/json" id="srs-stats">')[1].split("</script>")[0]
        assert json.loads(payload)["version"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    assert target.stat().st_mode & 0o777 == 0o600  # it holds card text: its owner's only (issue 21)


def test_json_and_report_together(srs, history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "curve.svg"
    data = _json(srs("stats", "curve", "--json", "--output", str(target)))
    assert data["kind"] == "forgetting_curve" and target.exists()


def test_note_text_is_shown_literally_and_escaped_in_html(srs, collection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    front = "<script>alert(1)</script> [bold red]not markup[/bold red] 遗忘曲线"
    with collection.write() as session:
        card = add_card(session, now=NOW, front=front, deck="笔记")
        add_reviews(session, card, [(3, NOW - timedelta(days=30)), (3, NOW - timedelta(days=29, hours=23)), (1, NOW - timedelta(days=10))])
        card_id = card.id
    result = srs("stats", "curve", "--card", str(card_id), env={"COLUMNS": "120"})
    assert result.exit_code == 0 and "[bold red]not markup[/bold red]" in result.output and "笔记" in result.output
    page = tmp_path / "card.html"
    assert srs("stats", "curve", "--card", str(card_id), "--output", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "遗忘曲线" in html
    overview = srs("stats", env={"COLUMNS": "120"})
    assert overview.exit_code == 0 and "[bold red]not markup" in overview.output
    assert srs("stats", "--output", str(tmp_path / "all.png")).exit_code == 0


@pytest.mark.parametrize("width", [80, 200])
def test_terminal_screens_fit_the_width(srs, history, width: int) -> None:  # type: ignore[no-untyped-def]
    env = {"COLUMNS": str(width)}
    screens = {
        ("stats",): ["Cards", "Today", "True retention", "Reviews per day, last 26 weeks", "Cards due per day", "Retrievability of 60 cards", "Cards at most risk", "You would recall about"],
        ("stats", "curve"): ["Forgetting curve", "Recall by time since the previous review", "Calibration, all reviews", "log loss"],
        ("stats", "curve", "--card", "3"): ["Card 3", "Predicted retrievability between reviews", "Reviews"],
    }
    for arguments, expected in screens.items():
        result = srs(*arguments, env=env)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert max(len(line) for line in lines) <= width, [line for line in lines if len(line) > width]
        for text in expected:
            assert text in result.output, (arguments, text)


def test_errors_are_one_line_and_write_nothing(srs, history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    cases = [
        (("stats", "--deck", "Nope"), "Error: unknown deck 'Nope' (decks: Papers::NLP)"),
        (("stats", "curve", "--deck", "Nope"), "Error: unknown deck 'Nope' (decks: Papers::NLP)"),
        (("stats", "--output", str(tmp_path / "report.pdf")), f"Error: {tmp_path / 'report.pdf'}: unsupported report format '.pdf': use .png, .svg or .html"),
        (("stats", "--output", str(tmp_path / "missing" / "r.png")), f"Error: {tmp_path / 'missing' / 'r.png'}: the folder to write the report in does not exist"),
        (("stats", "curve", "--card", "999999"), "Error: no card with id 999999"),
    ]
    for arguments, message in cases:
        result = srs(*arguments)
        assert result.exit_code == 1, result.output
        assert result.output.strip() == message
        _no_traceback(result)
    assert list(tmp_path.iterdir()) == []
    for arguments in (("stats", "--deck", "Papers", "curve"), ("stats", "curve", "--card", "1", "--deck", "Papers")):
        result = srs(*arguments)
        assert result.exit_code == 2 and "Error:" in result.output


def test_card_without_reviews(srs, collection) -> None:  # type: ignore[no-untyped-def]
    with collection.write() as session:
        card_id = add_card(session, now=NOW).id
    result = srs("stats", "curve", "--card", str(card_id))
    assert result.exit_code == 1 and result.output.strip() == f"Error: card {card_id} has no reviews yet: its forgetting curve starts at its first review"
    assert _json(srs("stats", "--json"))["cards"]["new"] == 1


def test_day_boundaries_follow_the_preset(srs, collection) -> None:  # type: ignore[no-untyped-def]
    with collection.write() as session:
        session.execute(update(Preset).values(timezone="Asia/Shanghai", day_start_hour=4))
        early = add_card(session, now=NOW)
        late = add_card(session, now=NOW)
        # 03:30 and 04:30 in Shanghai on 2026-03-02; now is 20:00 there.
        add_reviews(session, early, [(3, datetime(2026, 3, 1, 19, 30, tzinfo=UTC))])
        add_reviews(session, late, [(3, datetime(2026, 3, 1, 20, 30, tzinfo=UTC))])

    def days() -> dict[str, int]:
        data = _json(srs("stats", "--json"))
        return {"today": data["reviews"]["today"], **{d["date"]: d["reviews"] for d in data["heatmap"]["days"][-2:]}, "streak": data["streak"]["current"]}

    assert days() == {"today": 1, "2026-03-01": 1, "2026-03-02": 1, "streak": 2}
    assert srs("config", "set", "day_start_hour", "0").exit_code == 0
    assert days() == {"today": 2, "2026-03-01": 0, "2026-03-02": 2, "streak": 1}
    assert srs("config", "set", "timezone", "America/New_York").exit_code == 0
    # 14:30 and 15:30 on 2026-03-01 in New York, where it is now 07:00 on the 2nd.
    assert days() == {"today": 0, "2026-03-01": 2, "2026-03-02": 0, "streak": 1}


def test_deck_filter_and_several_presets(srs, history) -> None:  # type: ignore[no-untyped-def]
    collection = history
    with collection.write() as session:
        default = session.scalar(select(Preset).where(Preset.name == "Default"))
        assert default is not None
        parameters = list(default.parameters)
        parameters[20] = 0.4
        other = Preset(
            name="Plan",
            parameters=parameters,
            desired_retention=0.85,
            learning_steps=[60, 600],
            relearning_steps=[600],
            timezone="UTC",
            day_start_hour=0,
            updated_at=NOW,
        )
        session.add(other)
        session.flush()
        session.add(Deck(name="Plan", preset_id=other.id, created_at=NOW))
        session.add(Deck(name="Notes::Week 1", preset_id=other.id, created_at=NOW))
    write_synthetic(collection, SyntheticSpec(cards=40, reviews=300, span_days=90, seed=9), now=NOW, deck="Plan")
    whole = _json(srs("stats", "--json"))
    papers = _json(srs("stats", "--deck", "Papers", "--json"))
    plan_only = _json(srs("stats", "--deck", "Plan", "--json"))
    assert whole["cards"]["total"] == 100 and papers["cards"]["total"] == 60 and plan_only["cards"]["total"] == 40
    assert papers["deck"] == "Papers" and papers["timezone"] == "Asia/Shanghai"
    assert plan_only["timezone"] == "UTC" and plan_only["day_start_hour"] == 0  # the deck's own preset
    parent_only = _json(srs("stats", "--deck", "Notes", "--json"))  # no deck "Notes": its sub-decks' preset
    assert (parent_only["timezone"], parent_only["cards"]["total"]) == ("UTC", 0)
    assert whole["reviews"]["total"] == papers["reviews"]["total"] + plan_only["reviews"]["total"]
    curves = [_json(srs("stats", "curve", *args, "--json")) for args in ((), ("--deck", "Papers"), ("--deck", "Plan"))]
    assert curves[0]["decay"] == [0.1542, 0.4] and curves[2]["decay"] == [0.4]
    assert curves[0]["calibration"]["reviews"] == curves[1]["calibration"]["reviews"] + curves[2]["calibration"]["reviews"]
    # Log losses add up: the whole curve predicts each review with its own preset's parameters.
    combined = sum(c["calibration"]["log_loss"] * c["calibration"]["reviews"] for c in curves[1:]) / curves[0]["calibration"]["reviews"]
    assert curves[0]["calibration"]["log_loss"] == pytest.approx(combined)


def test_plain_stats_imports_no_matplotlib(db_url: str, history) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\nfrom srs.cli import main\n"
        "try:\n    main(['stats'], standalone_mode=False)\nfinally:\n"
        "    print('MATPLOTLIB' if 'matplotlib' in sys.modules else 'NO MATPLOTLIB')\n"
    )
    env = {**os.environ, "SRS_DB": db_url, "SRS_NOW": NOW.isoformat(), "COLUMNS": "100"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True)
    assert result.stdout.strip().endswith("NO MATPLOTLIB") and "True retention" in result.stdout


def test_an_empty_collection_with_json_and_output_says_so_on_stderr(srs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "empty.html"
    result = srs("stats", "--json", "--output", str(target))
    assert result.exit_code == 0 and not target.exists()
    assert json.loads(result.stdout)["cards"]["total"] == 0 and "Nothing to chart yet" in result.stderr


@pytest.mark.parametrize("seconds", [5, 20, 39, 120])
def test_the_curve_of_quick_repeats_only_is_drawn(srs, collection, seconds: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 21, defect 3: every repeat under about 40 s after the one before left no round
    tick (1m, 10m...) near the data, and the axis range crashed (TypeError)."""
    with collection.write() as session:
        for number in range(2):
            card = add_card(session, now=NOW, deck="Default", front=f"Q{number}", back="A")
            add_reviews(session, card, [(3, NOW + timedelta(seconds=number)), (3, NOW + timedelta(seconds=number + seconds))])
    result = srs("stats", "curve", now=NOW + timedelta(minutes=5))
    _no_traceback(result)
    assert result.exit_code == 0 and "Forgetting curve" in result.output, result.output
    target = tmp_path / "curve.svg"
    assert srs("stats", "curve", "--output", str(target), now=NOW + timedelta(minutes=5)).exit_code == 0
    assert ElementTree.fromstring(target.read_bytes()).tag == "{http://www.w3.org/2000/svg}svg"
