"""Notes (any file without study-plan tasks): each heading section with a body gives a
``section`` card, front ``title › heading path``, back the body, unless it holds explicit
cards, is only references, or is too long to recall."""

from __future__ import annotations

from srs.domain.explicit_cards import explicit_cards
from srs.domain.note_document import Draft, NoteDocument
from srs.domain.parsed import CRUMB, REFERENCE_ONLY, SECTION, TOO_LONG, ReportItem, squash
from srs.domain.recallable import TOO_LONG_ADVICE, is_reference_only


def section_cards(doc: NoteDocument, title: str, drafts: list[Draft]) -> None:
    """The cards of a note, added to ``drafts``: each section's explicit cards, or its own card."""
    for path, heading, heading_line, start, end in doc.sections():
        lines = [doc.line(number) for number in range(start, end)]
        explicit = explicit_cards(doc, lines, path, drafts)
        if explicit:
            continue
        body = doc.body(lines)
        if not body:
            continue
        line = heading_line if path else next((item.number for item in lines if item.text.strip()), start)
        if not recallable(doc, body, heading, line, "section", CRUMB.join(doc.crumbs(title, path))):
            continue
        tags = doc.heading_tags(heading_line) + doc.line_tags(lines)
        drafts.append(
            Draft(
                kind=SECTION,
                front=CRUMB.join(doc.crumbs(title, path)),
                back=body,
                heading_path=path,
                question=squash(heading),
                line=line,
                note=f"section\x1f{CRUMB.join(path)}",
                tags=doc.context_tags(line) + tags,
            )
        )


def recallable(doc: NoteDocument, body: str, heading: str, line: int, what: str, label: str) -> bool:
    """False (and a report item) for a body that is only references, or too long to recall."""
    if what == "section" and is_reference_only(body, heading):
        doc.items.append(ReportItem(REFERENCE_ONLY, line + 1, label))
        return False
    limit = doc.options.max_chars
    if limit and len(body) > limit:
        doc.items.append(ReportItem(TOO_LONG, line + 1, f"{what} of {len(body)} characters: {TOO_LONG_ADVICE}"))
        return False
    return True
