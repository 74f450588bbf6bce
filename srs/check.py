"""``srs check [--fix]``: find damage in a collection and repair what can be repaired.

Like Anki's Check Database. What is looked for, in the order repairs are made:

1. the database itself (``PRAGMA integrity_check`` on SQLite; every table readable and no
   invalid index on PostgreSQL); repaired by rebuilding the indexes, else restore a backup;
2. preset values out of their allowed range (reset to the default value) and collection
   settings that are invalid (reset to the default);
3. decks whose preset is missing (given the Default preset), cards whose deck is missing
   (moved to the Default deck), links to a missing source or import root (cleared);
4. review rows with a rating other than 1-4 (deleted: they cannot be replayed);
5. review rows whose card is missing (possible when foreign keys were off): the history is
   kept by re-homing it on a placeholder card with the missing id, retired and suspended, in
   the deck "Orphaned reviews" (statistics and the optimizer keep using the answers);
6. cards whose Markdown file no longer exists (retired, like ``srs import`` retires cards
   whose note is gone; the history stays);
7. cards whose stored memory state differs from the replay of their review log (set to the
   replay: the log is the source of truth).

Everything ``--fix`` does happens in one transaction: all of it or, on error, none of it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from srs import config
from srs.scheduling import SchedulerSettings, replay
from srs.store.collection import Collection, default_preset
from srs.store.models import DEFAULT_PRESET_NAME
from srs.ui import plain, plural

EXAMPLES = 5


@dataclass
class Finding:
    """One kind of damage: how much, a few examples, and the repair."""

    kind: str
    count: int
    what: str  # "3 cards whose stored state differs from the replay of their log"
    repair: str  # what --fix does ("set to the replay"), or why it cannot
    examples: list[str] = field(default_factory=list)
    repairable: bool = True
    fixed: bool = False


@dataclass
class CheckReport:
    collection: str
    cards: int
    reviews: int
    findings: list[Finding]
    fix: bool

    @property
    def problems_left(self) -> int:
        """Findings that still stand after this run (all of them without ``--fix``)."""
        return sum(1 for f in self.findings if not f.fixed)

    def lines(self) -> list[str]:
        head = f"Checked {self.collection}: {self.cards} cards, {self.reviews} reviews."
        if not self.findings:
            return [head, "No problems found."]
        lines = [head]
        for finding in self.findings:
            if finding.fixed:
                status = f"fixed: {finding.repair}"
            elif finding.repairable:
                status = f"srs check --fix would: {finding.repair}" if not self.fix else f"not fixed: {finding.repair}"
            else:
                status = f"cannot be fixed here: {finding.repair}"
            lines.append(f"- {finding.what}; {status}")
            lines.extend(f"    {example}" for example in finding.examples)
        fixed = sum(1 for f in self.findings if f.fixed)
        if self.fix:
            lines.append(f"Repaired {fixed} of {plural(len(self.findings), 'kind')} of problem.")
        else:
            lines.append(f"Found {plural(len(self.findings), 'kind')} of problem; run srs check --fix to repair them.")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _record(findings: list[Finding], finding: Finding, repair: Callable[[], object] | None) -> None:
    """Add ``finding``; with a ``repair`` (given under --fix), run it and mark it fixed."""
    if repair is not None:
        repair()
        finding.fixed = True
    findings.append(finding)


def _preset_problems(preset: Any, now: datetime) -> dict[str, Any]:
    """Fields of ``preset`` whose value is invalid -> the default value to reset them to."""
    defaults = default_preset(now, name=preset.name)
    bad: dict[str, Any] = {}
    for item in config.SETTINGS.values():
        if item.scope != config.PRESET:
            continue
        value = getattr(preset, item.key)
        try:
            item.parse(item.show(value))
            if item.key in {"learning_steps", "relearning_steps"} and not all(isinstance(s, int) and s > 0 for s in value):
                raise ValueError
            if item.key == "parameters" and len(value) != 21:
                raise ValueError
        except Exception:  # noqa: BLE001 - any stored value that does not parse is invalid
            bad[item.key] = getattr(defaults, item.key)
    return bad


def _settings_problems(rows: list[Any]) -> list[str]:
    """Keys of known collection settings whose stored value is invalid."""
    bad = []
    for row in rows:
        item = config.SETTINGS.get(row.key)
        if item is None or item.scope != config.COLLECTION:
            continue
        try:
            item.parse(item.show(row.value))
        except Exception:  # noqa: BLE001
            bad.append(row.key)
    return bad


def check_collection(
    collection: Collection,
    *,
    now: datetime,
    fix: bool = False,
    file_exists: Callable[[str], bool] = os.path.exists,
) -> CheckReport:
    """Look for every kind of damage; with ``fix``, repair it in one transaction."""
    if fix:
        return collection.transact(lambda session: _run(session, collection, now, True, file_exists))
    with collection.read() as session:
        return _run(session, collection, now, False, file_exists)


def _run(session: Any, collection: Collection, now: datetime, fix: bool, file_exists: Callable[[str], bool]) -> CheckReport:
    from srs.store import check as q
    from srs.store.decks import get_or_create_deck

    findings: list[Finding] = []

    # 1. The database itself.
    problems = q.integrity_problems(session)
    if problems:
        finding = Finding(
            "integrity", len(problems), f"database integrity check failed ({plural(len(problems), 'problem')})",
            "rebuild the indexes", [_short(p, 100) for p in problems[:EXAMPLES]],
        )
        if fix:
            q.reindex(session)
            remaining = q.integrity_problems(session)
            finding.fixed = not remaining
            if remaining:
                finding.repair = "the damage is not in the indexes: restore a backup (srs backup --list, srs restore)"
                finding.repairable = False
        findings.append(finding)

    # 2. Presets and collection settings.
    preset_rows = q.presets(session)
    preset_settings: dict[int, SchedulerSettings] = {}
    bad_presets: list[tuple[Any, dict[str, Any]]] = []
    for preset in preset_rows:
        bad = _preset_problems(preset, now)
        if bad:
            bad_presets.append((preset, bad))
        value = lambda key: bad.get(key, getattr(preset, key))  # noqa: E731 - the value after repair
        preset_settings[preset.id] = SchedulerSettings(
            parameters=tuple(float(x) for x in value("parameters")),
            desired_retention=float(value("desired_retention")),
            learning_steps=tuple(int(x) for x in value("learning_steps")),
            relearning_steps=tuple(int(x) for x in value("relearning_steps")),
            maximum_interval=int(value("maximum_interval")),
            enable_fuzz=bool(value("enable_fuzz")),
        )
    if bad_presets:
        examples = [f"preset {p.name!r}: {', '.join(f'{k}={getattr(p, k)!r}' for k in bad)}" for p, bad in bad_presets]
        finding = Finding(
            "preset", sum(len(b) for _, b in bad_presets), f"{plural(sum(len(b) for _, b in bad_presets), 'preset value')} out of range",
            "reset to the default value", [_short(e, 100) for e in examples[:EXAMPLES]],
        )
        if fix:
            for preset, bad in bad_presets:
                for key, value in bad.items():
                    setattr(preset, key, value)
                preset.updated_at = now
            session.flush()
            finding.fixed = True
        findings.append(finding)
    bad_settings = _settings_problems(q.settings_rows(session))
    if bad_settings:
        finding = Finding("setting", len(bad_settings), f"{plural(len(bad_settings), 'invalid collection setting')} ({', '.join(bad_settings)})", "reset to the default")
        if fix:
            from srs.store.models import Setting

            for key in bad_settings:
                row = session.get(Setting, key)
                if row is not None:
                    session.delete(row)
            session.flush()
            finding.fixed = True
        findings.append(finding)

    # 3. Broken links between rows.
    default_id = next((p.id for p in preset_rows if p.name == DEFAULT_PRESET_NAME), None)
    decks = q.decks_without_preset(session)
    if decks:
        finding = Finding(
            "deck_preset", len(decks), f"{plural(len(decks), 'deck')} without a preset", f"give them the {DEFAULT_PRESET_NAME} preset",
            [f"deck {name!r} (preset {missing} is missing)" for _, name, missing in decks[:EXAMPLES]],
        )
        repair = None if default_id is None else (lambda: q.set_deck_presets(session, [d for d, _, _ in decks], default_id))
        _record(findings, finding, repair if fix else None)
    homeless = q.cards_without_deck(session)
    if homeless:
        finding = Finding(
            "card_deck", len(homeless), f"{plural(len(homeless), 'card')} without a deck", "move them to the Default deck",
            [f"card {card} (deck {deck} is missing)" for card, deck in homeless[:EXAMPLES]],
        )
        def rehome() -> None:
            q.move_cards(session, [c for c, _ in homeless], get_or_create_deck(session, "Default", now).id, now)

        _record(findings, finding, rehome if fix else None)
    source_links = q.dangling_source_links(session)
    if source_links:
        finding = Finding(
            "source_link", len(source_links), f"{plural(len(source_links), 'card')} linked to a missing source record",
            "clear the link (the next srs import links them again)", [f"card {c}" for c in source_links[:EXAMPLES]],
        )
        _record(findings, finding, (lambda: q.clear_source_links(session, source_links)) if fix else None)
    root_links = q.dangling_root_links(session)
    if root_links:
        finding = Finding(
            "root_link", len(root_links), f"{plural(len(root_links), 'source record')} linked to a missing import root",
            "clear the link", [f"source {s}" for s in root_links[:EXAMPLES]],
        )
        _record(findings, finding, (lambda: q.clear_root_links(session, root_links)) if fix else None)

    # 4. Log rows that cannot be replayed.
    invalid = q.invalid_rating_reviews(session)
    if invalid:
        finding = Finding(
            "rating", len(invalid), f"{plural(len(invalid), 'review')} with a rating other than 1-4",
            "delete them (they cannot be replayed)", [f"review {r} of card {c}: rating {rating}" for r, c, rating in invalid[:EXAMPLES]],
        )
        _record(findings, finding, (lambda: q.delete_reviews(session, [r for r, _, _ in invalid])) if fix else None)

    # 5. Reviews without a card.
    orphans = q.orphan_reviews(session)
    rehomed: set[int] = set()
    if orphans:
        total = sum(n for _, n in orphans)
        finding = Finding(
            "orphan", total, f"{plural(total, 'review')} of {plural(len(orphans), 'missing card')}",
            "keep the history on a retired placeholder card per missing card, in the deck \"Orphaned reviews\"",
            [f"card {card}: {plural(n, 'review')}" for card, n in orphans[:EXAMPLES]],
        )
        if fix:
            deck = get_or_create_deck(session, q.ORPHAN_DECK, now)
            q.rehome_orphan_reviews(session, [c for c, _ in orphans], deck_id=deck.id, now=now)
            rehomed = {c for c, _ in orphans}  # their state is set to the replay below, as part of this repair
            finding.fixed = True
        findings.append(finding)

    # 6. Cards whose file is gone.
    missing = [path for path in q.active_source_paths(session) if os.path.isabs(path) and not file_exists(path)]
    if missing:
        card_ids = q.active_cards_from(session, missing)
        finding = Finding(
            "missing_file", len(card_ids), f"{plural(len(card_ids), 'card')} from {plural(len(missing), 'file')} that no longer {'exists' if len(missing) == 1 else 'exist'}",
            "retire the cards (their history is kept; they come back if the file does and is imported)",
            [_short(path, 100) for path in missing[:EXAMPLES]],
        )
        _record(findings, finding, (lambda: q.retire_cards(session, card_ids, now)) if fix else None)

    # 7. Card states against the replay of their logs (after the repairs above).
    default_settings = preset_settings.get(default_id) if default_id is not None else None
    deck_preset = q.deck_presets(session)
    mismatched = 0
    examples: list[str] = []
    pending: list[tuple[int, Any]] = []
    for log in q.card_logs(session):
        preset_id = deck_preset.get(log.deck_id)
        settings = preset_settings.get(preset_id) if preset_id is not None else None
        settings = settings or default_settings or SchedulerSettings()
        expected = replay(log.events, settings, seed=log.card_id)
        if expected == log.stored:
            continue
        if log.card_id in rehomed:
            pending.append((log.card_id, expected))
            continue
        mismatched += 1
        if len(examples) < EXAMPLES:
            examples.append(f"card {log.card_id} \"{_short(plain(log.front), 40)}\": {_difference(log.stored, expected)}")
        if fix:
            pending.append((log.card_id, expected))
            if len(pending) >= 1000:
                q.store_memories(session, pending, now)
                pending.clear()
    if fix:
        q.store_memories(session, pending, now)
    if mismatched:
        findings.append(
            Finding(
                "state", mismatched, f"{plural(mismatched, 'card')} whose stored state differs from the replay of {'its' if mismatched == 1 else 'their'} review log",
                "set them to the replay", examples, fixed=fix,
            )
        )

    if fix:
        session.flush()
    cards, reviews = q.counts(session)
    return CheckReport(collection.name, cards, reviews, findings, fix)


_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.4g}"
    return getattr(value, "name", str(value)).lower() if hasattr(value, "name") else str(value)


def _difference(stored: Any, expected: Any) -> str:
    """``stability 3 (log: 2.307), reps 7 (log: 3)``: the fields that differ, at most three."""
    parts = [
        f"{name.replace('_', ' ')} {_show(getattr(stored, name))} (log: {_show(getattr(expected, name))})"
        for name in _FIELDS
        if getattr(stored, name) != getattr(expected, name)
    ]
    return ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")
