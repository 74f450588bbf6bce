"""What identifies a card across edits: its location key (file, kind, heading path, question),
the note it came from, its content hash and fingerprint. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

from srs.domain.parsed import SECTION, TASK, ParsedCard, heading_text, squash

EXCERPT = 160


_SEP = "\x1f"


def _digest(text: str, size: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


@lru_cache(maxsize=4096)
def _path_digest(path: str) -> str:
    return _digest(path)


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + "\u2026" + _digest(text)


def card_key(source_path: str, card: ParsedCard, heading: str | None = None) -> str:
    """The location key of ``card`` in the file at ``source_path`` (see the module docstring)."""
    if heading is None:
        heading = heading_text(card.heading_path)
    return _SEP.join(
        (
            card.kind,
            _excerpt(card.variant, 60),
            _path_digest(source_path),
            _digest(heading),
            str(card.occurrence),
            _excerpt(squash(card.question)),
        )
    )


def key_question(key: str) -> str:
    """The question (excerpt) a key was made from."""
    parts = key.split(_SEP, 5)
    return parts[5] if len(parts) == 6 else key


def key_variant(key: str) -> str:
    parts = key.split(_SEP, 5)
    return parts[1] if len(parts) == 6 else ""


def repeat_key(key: str) -> str:
    """The key without its occurrence number: the same for every repeat of a card in a file."""
    parts = key.split(_SEP, 5)
    return _SEP.join(parts[:4] + parts[5:]) if len(parts) == 6 else key


def note_key(source_path: str, card: ParsedCard) -> str:
    return "n" + _digest(source_path + _SEP + card.note, 32)


def content_hash(card: ParsedCard, heading: str | None = None) -> str:
    parts = [card.kind, card.variant, squash(card.question), card.back.strip()]
    if card.kind in (TASK, SECTION):
        parts.append(heading_text(card.heading_path) if heading is None else heading)
    return hashlib.sha256(_SEP.join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def tags_text(tags: Iterable[str]) -> str:
    """Tags as ``Card.tags`` stores them: ``" a b "`` (empty string for none)."""
    words = [tag.replace(" ", "-") for tag in tags if tag]
    return f" {' '.join(words)} " if words else ""


def fingerprint(*, key: str, note_key: str, front: str, back: str, deck: str, tags: str, heading_path: str) -> str:
    """Everything whose change makes a matched card "updated"."""
    return _digest(_SEP.join((key, note_key, front, back, deck, tags, heading_path)), 32)
