"""Small synthetic review histories as revlog CSV files (seeded, so every run is the same).

Each card is learned (a first answer, a same-day step), then reviewed at growing intervals;
whether it is recalled is drawn from an FSRS forgetting curve with a stability that grows on
success and shrinks on failure, so a fit has something real to find.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc)


def write_revlog(path: Path, *, cards: int, reviews_per_card: int = 8, seed: int = 1, start: datetime = START) -> int:
    """Write a history of ``cards`` cards to ``path``; returns the number of reviews."""
    rng = random.Random(seed)
    lines = ["card_id,review_rating,review_time,review_duration"]
    for card in range(cards):
        at = start + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
        rating = rng.choices((1, 2, 3, 4), weights=(25, 10, 55, 10))[0]
        stability = (0.3, 1.0, 2.5, 8.0)[rating - 1]
        lines.append(f"s{card},{rating},{at.isoformat()},{rng.randint(2000, 20000)}")
        at += timedelta(minutes=10)
        lines.append(f"s{card},3,{at.isoformat()},{rng.randint(2000, 9000)}")
        for _ in range(reviews_per_card - 2):
            interval = max(1.0, stability * rng.uniform(0.6, 1.6))
            at += timedelta(days=interval, minutes=rng.randint(-90, 90))
            recall = (1 + 19 / 81 * interval / stability) ** -0.5
            if rng.random() < recall:
                rating = rng.choices((2, 3, 4), weights=(15, 75, 10))[0]
                stability *= 1.5 + 2.0 * (1 - recall) + (0.8 if rating == 4 else 0.0)
            else:
                rating = 1
                stability = max(0.5, stability * 0.35)
            lines.append(f"s{card},{rating},{at.isoformat()},{rng.randint(2000, 20000)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1
