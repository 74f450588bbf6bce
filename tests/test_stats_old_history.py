"""`srs stats` for a history that ended months ago (issue 16): the calendar follows the
data and says so, and the forecast shows the overdue cards instead of thirty empty days."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from factories import add_card, add_reviews


def test_a_history_that_ended_long_ago(srs: Any, collection: Any, now: datetime) -> None:
    with collection.write() as session:
        for number in range(30):
            card = add_card(session, now=now - timedelta(days=400), deck="Old", front=f"old {number}")
            start = now - timedelta(days=400 - number)
            add_reviews(session, card, [(3, start), (3, start + timedelta(days=2)), (1 if number % 4 == 0 else 3, start + timedelta(days=9))])
    document = json.loads(srs("stats", "--json").output)
    heat = document["heatmap"]
    assert heat["end"] == (now - timedelta(days=362)).date().isoformat() != document["today"]
    assert sum(day["reviews"] for day in heat["days"]) == 90  # every review is in the calendar
    assert document["forecast"]["overdue"] == 30
    # the retention windows end on the last day with reviews too: no table of dashes
    assert document["retention"]["last_30_days"]["total"]["total"] == 30
    assert document["retention"]["last_7_days"]["total"]["total"] == 7
    text = srs("stats", env={"COLUMNS": "100"}).output
    assert "Reviews per day, the last 26 weeks with reviews (to 2025-03-05; none since)" in text
    assert "Cards due per day, next 30 days (30 overdue)" in text and "late" in text
    assert "overdue (30, first bar)" in text
    assert "True retention up to 2025-03-05, the last day with reviews" in text and "Its last 30 days" in text


def test_a_current_history_keeps_the_last_26_weeks(srs: Any, collection: Any, now: datetime) -> None:
    with collection.write() as session:
        card = add_card(session, now=now - timedelta(days=3), deck="New")
        add_reviews(session, card, [(3, now - timedelta(days=3))])
    document = json.loads(srs("stats", "--json").output)
    assert document["heatmap"]["end"] == document["today"]
    assert "Reviews per day, last 26 weeks" in srs("stats").output


def test_a_card_curve_long_past_is_not_squeezed(srs: Any, collection: Any, now: datetime) -> None:
    with collection.write() as session:
        old = add_card(session, now=now - timedelta(days=400), deck="Old")
        add_reviews(session, old, [(3, now - timedelta(days=400)), (3, now - timedelta(days=398)), (3, now - timedelta(days=390))])
        recent = add_card(session, now=now - timedelta(days=3), deck="Old")
        add_reviews(session, recent, [(3, now - timedelta(days=3)), (3, now - timedelta(days=1))])
    document = json.loads(srs("stats", "curve", "--card", str(old.id), "--json").output)
    last = datetime.fromisoformat(document["reviews"][-1]["reviewed_at"])
    drawn_to = datetime.fromisoformat(document["curve"][-1]["at"])
    assert document["curve_cut_at"] is not None and drawn_to < now - timedelta(days=300)
    assert (drawn_to - last) >= timedelta(days=10)  # a tail as long as the reviews' span at least
    text = srs("stats", "curve", "--card", str(old.id)).output
    assert "The curve stops at" in text and "after the last review" in text
    assert json.loads(srs("stats", "curve", "--card", str(recent.id), "--json").output)["curve_cut_at"] is None


def test_the_overview_report_has_the_forgetting_curve(srs: Any, collection: Any, now: datetime, tmp_path: Any) -> None:
    with collection.write() as session:
        for number in range(30):
            card = add_card(session, now=now - timedelta(days=400), deck="Old", front=f"old {number}")
            start = now - timedelta(days=400 - number)
            add_reviews(session, card, [(3, start), (3, start + timedelta(days=2)), (1 if number % 4 == 0 else 3, start + timedelta(days=9))])
    page = tmp_path / "stats.html"
    assert srs("stats", "--output", str(page)).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert "<h2>Forgetting curve</h2>" in text and "60 reviews" in text
    assert "the last 26 weeks with reviews, to 2025-03-05" in text and "(30 overdue)" in text
    picture = tmp_path / "stats.png"
    assert srs("stats", "--output", str(picture)).exit_code == 0 and picture.stat().st_size > 10_000
