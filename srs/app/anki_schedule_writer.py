"""Writes srs's scheduling into the collection of an Anki package that genanki has just filled
(``srs export --apkg``): each card's queue, due day, interval, counts, FSRS memory state and
srs card id, the review log, and one deck-options preset per srs preset. What maps to what is
in :mod:`srs.anki.scheduling`; this module only reads and updates the package's SQLite file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from srs.anki.scheduling import DayClock, LoggedAnswer, PresetOptions, card_columns, custom_data, deck_config, fingerprint, revlog_rows
from srs.domain.forgetting import DECAY_INDEX, decay_of
from srs.timeutil import day_start, study_day

if TYPE_CHECKING:
    from srs.store.anki import ExportCard

# deck id -> (preset id, options, time zone, day start hour)
PresetsByDeck = Mapping[int, tuple[int, PresetOptions, str, int]]


@dataclass(frozen=True)
class ScheduleExport:
    """What the writer needs: which srs card each Anki card is, their logs and presets."""

    cards: Mapping[tuple[str, int], ExportCard]  # (note GUID, Anki ordinal) -> srs card
    logs: Mapping[int, list[LoggedAnswer]] | None  # None: no scheduling, only the card ids
    presets: PresetsByDeck
    deck_names: Mapping[str, int]  # deck name -> srs deck id


def config_id(preset_name: str) -> int:
    """A stable Anki deck-options id for an srs preset (the same in every export)."""
    digest = int.from_bytes(hashlib.sha256(f"srs preset {preset_name}".encode()).digest()[:8], "big")
    return (1 << 31) + digest % (1 << 30)


def _clock(plan: ScheduleExport, now: datetime) -> DayClock:
    """Anki counts days for the whole collection: the time zone and day start of the preset
    most cards use (a card of a preset with another time zone may be a day off in Anki)."""
    usage = Counter(plan.presets[card.deck_id][2:] for card in plan.cards.values() if card.deck_id in plan.presets)
    tz, hour = usage.most_common(1)[0][0] if usage else ("UTC", 4)
    return DayClock(tz, hour, study_day(now, tz, hour))


def write_schedule(connection: sqlite3.Connection, plan: ScheduleExport, now: datetime) -> int:
    """Update the package's cards, revlog and deck options in bulk (one statement each);
    returns the review rows written."""
    clock = _clock(plan, now)
    rows = connection.execute("SELECT cards.id, notes.guid, cards.ord FROM cards JOIN notes ON notes.id = cards.nid ORDER BY cards.id").fetchall()
    taken: set[int] = set()
    updates: list[tuple[object, ...]] = []
    revlog: list[tuple[int, ...]] = []
    for position, (anki_id, guid, ord_) in enumerate(rows, start=1):
        card = plan.cards.get((guid, ord_))
        if card is None or card.schedule is None:
            continue
        if plan.logs is None:
            updates.append((json.dumps({"cd": custom_data(card.id, int(now.timestamp()), fingerprint(card.id, card.schedule.created_at))}), anki_id))
            continue
        options = plan.presets[card.deck_id][1]
        steps = len(options.learning_steps if card.schedule.memory.state == 1 else options.relearning_steps)
        decay = decay_of(options.parameters) if len(options.parameters) == DECAY_INDEX + 1 else None
        columns = card_columns(card.schedule, position=position, clock=clock, now=now, steps=steps, retention=options.desired_retention, decay=decay)
        updates.append((columns.type, columns.queue, columns.due, columns.ivl, columns.factor, columns.reps, columns.lapses, columns.left, columns.data, anki_id))
        revlog.extend(revlog_rows(anki_id, plan.logs.get(card.id, []), taken))
    if plan.logs is None:
        connection.executemany("UPDATE cards SET data = ? WHERE id = ?", updates)
        return 0
    connection.executemany("UPDATE cards SET type=?, queue=?, due=?, ivl=?, factor=?, reps=?, lapses=?, left=?, data=? WHERE id = ?", updates)
    revlog.sort()  # in id order: appended to the table's B-tree, not scattered through it
    connection.executemany("INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?,?,?,?,?,?,?,?,?)", revlog)
    _write_presets(connection, plan, clock, now)
    return len(revlog)


def _write_presets(connection: sqlite3.Connection, plan: ScheduleExport, clock: DayClock, now: datetime) -> None:
    """One Anki deck-options preset per srs preset; each deck uses its preset's; ``crt`` is
    the start of the export's study day (Anki's day 0)."""
    conf_text, dconf_text, decks_text = connection.execute("SELECT conf, dconf, decks FROM col").fetchone()
    conf, dconf, decks = json.loads(conf_text), json.loads(dconf_text), json.loads(decks_text)
    # Four answer buttons in learning too: without it Anki reads the log as its old v1
    # scheduler's (three learning buttons) and turns every learning Good into an Easy.
    conf["schedVer"] = 2
    template = dconf.get("1") or next(iter(dconf.values()), {})
    mod = int(now.timestamp())
    for anki_deck in decks.values():
        srs_deck = plan.deck_names.get(str(anki_deck.get("name")))
        if srs_deck is None or srs_deck not in plan.presets:
            continue
        options = plan.presets[srs_deck][1]
        identifier = config_id(options.name)
        dconf.setdefault(str(identifier), deck_config(identifier, options, template, mod))
        anki_deck["conf"] = identifier
    crt = int(day_start(clock.day_zero, clock.timezone, clock.day_start_hour).timestamp())
    connection.execute("UPDATE col SET conf = ?, dconf = ?, decks = ?, crt = ?", (json.dumps(conf), json.dumps(dconf), json.dumps(decks), crt))
