"""A note's YAML front matter: read with a safe loader (a broken one is a warning, never a
stop), its ``tags:``, and a front matter that is never closed."""

from __future__ import annotations

import re
from typing import Any

from srs.domain.note_document import NoteDocument, unique_tags
from srs.domain.parsed import WARNING, ReportItem

MAX_FRONT_MATTER = 64 * 1024


def read_front_matter(doc: NoteDocument, token: Any) -> None:
    """The front matter token's YAML as ``doc.front_matter`` (a warning instead when it is too
    large, broken or not a mapping); the body starts after it."""
    import yaml

    if token.map:
        doc.body_start = token.map[1]
    content = token.content
    if len(content) > MAX_FRONT_MATTER:
        doc.items.append(ReportItem(WARNING, 1, "front matter larger than 64 KB ignored"))
        return
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(content, Loader=loader) if content.strip() else {}  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        # Where the broken construct starts (an unclosed bracket...), else where YAML gave up.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        doc.items.append(ReportItem(WARNING, line, f"broken front matter ignored (YAML: {problem})"))
        return
    except Exception as error:  # pathological YAML (recursion, huge numbers...)
        doc.items.append(ReportItem(WARNING, 1, f"broken front matter ignored ({type(error).__name__})"))
        return
    if data is None:
        data = {}
    if not isinstance(data, dict):
        doc.items.append(ReportItem(WARNING, 1, "front matter is not a set of key: value pairs; ignored"))
        return
    doc.front_matter = {str(key): value for key, value in data.items()}


def check_unclosed_front_matter(doc: NoteDocument, tokens: list[Any]) -> None:
    """A warning for a first ``---`` followed by ``key:`` lines but never closed (read as text)."""
    if doc.lines and doc.lines[0].rstrip() == "---" and not (tokens and tokens[0].type == "front_matter"):
        if len(doc.lines) > 1 and re.match(r"[\w-]+\s*:", doc.lines[1]):
            doc.items.append(ReportItem(WARNING, 1, "front matter is not closed (no second ---); read as text"))


def front_matter_tags(doc: NoteDocument) -> tuple[str, ...]:
    """``tags:`` (or ``tag:``) of the front matter, a list or a comma/space separated string."""
    raw = doc.front_matter.get("tags", doc.front_matter.get("tag"))
    if raw is None:
        return ()
    values = raw if isinstance(raw, list) else re.split(r"[,\s]+", str(raw))
    tags: list[str] = []
    for value in values:
        if isinstance(value, (str, int, float)):
            text = str(value).strip().lstrip("#").replace(" ", "-")
            if text:
                tags.append(text)
    return unique_tags(tags)
