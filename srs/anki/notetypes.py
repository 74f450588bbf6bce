"""The Anki note types srs writes, by fixed id (the same in every export, so Anki recognises
them again), and the origin name of cards imported from Anki: shared by the exporter
(srs.app.anki_export), the importer (srs.app.anki_import) and the store (srs.store.anki), and light
to import (no Markdown renderer, no database)."""

from __future__ import annotations

BASIC_MODEL_ID = 1_740_117_301
REVERSED_MODEL_ID = 1_740_117_302
CLOZE_MODEL_ID = 1_740_117_303

# Notes imported from Anki whose note type has several templates (not a mirrored pair):
# note type MULTI_MODEL_ID_BASE + number of templates, from 2 up to MAX_TEMPLATES.
MULTI_MODEL_ID_BASE = 1_740_117_400
MAX_TEMPLATES = 64

# Every note type srs's export writes: their "Source" field is not card text.
SRS_NOTETYPE_IDS = frozenset(
    {BASIC_MODEL_ID, REVERSED_MODEL_ID, CLOZE_MODEL_ID, *range(MULTI_MODEL_ID_BASE + 2, MULTI_MODEL_ID_BASE + MAX_TEMPLATES + 1)}
)

ANKI_ORIGIN = "anki"  # Card.origin of cards imported from Anki
