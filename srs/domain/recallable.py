"""Which heading sections and task notes can be recalled as one card, and fronts free of raw HTML.

Pure text rules used by the parser:

* **Reference only.** A section whose body is only links, images, bare URLs, wikilinks, link
  definitions or citations (``[3] A. Author. Title. Venue, 2021.``) holds nothing to recall:
  it is not a card (the report counts it as "reference only").
* **Too long.** A body over :data:`DEFAULT_MAX_CHARS` characters (``srs config set
  import_max_chars N``; 0 for no limit) is not a card either: nobody recalls three pages as
  one answer. 2,000 characters is about one and a half 80x24 screens, or two minutes of
  reading; the minimum-information principle of spaced repetition asks for far less, so the
  limit only catches what is clearly a page of notes, not a long answer.
* **Raw HTML** (``<a name='x'></a>`` anchors, ``<span>``, comments) never shows in a front:
  :func:`strip_html` removes tags outside code spans from the context crumbs.
"""

from __future__ import annotations

import re

DEFAULT_MAX_CHARS = 2000
MAX_LABEL = 16  # characters of text beside a link that still make a line a reference
TOO_LONG_ADVICE = "too long to recall; split it with headings or write explicit cards"

_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1", re.DOTALL)
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.DOTALL)
_LIST_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?")
_LINKS = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\([^()\s]*(?:\([^()]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)"  # [text](url), ![alt](src)
    r"|!?\[\[[^\]]*\]\]"  # [[wikilink]], ![[embed]]
    r"|<(?:https?|ftp|mailto):[^>\s]+>"  # <https://...>
    r"|(?:https?|ftp)://\S+"  # a bare URL
    r"|\[\^?[^\]]+\]\[[^\]]*\]"  # [text][ref]
)
_DEFINITION = re.compile(r"^\[\^?[^\]]+\]:\s*\S")  # [ref]: url, [^1]: note
_CITATION_START = re.compile(r"^(?:\[\d{1,4}\]|\d{1,4}[.)]|\(\d{1,4}\))\s")
_CITATION_MARK = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|arXiv|doi\s*:|doi\.org|\bIn:|et al\.|Proceedings|pp\.\s*\d", re.IGNORECASE)
_REFERENCE_HEADING = re.compile(
    r"^\s*(?:\d+[.)]?\s*)?(?:references?|bibliography|citations?|sources?|further reading|reading list|links|resources|see also|"
    r"参考文献|参考资料|参考链接|相关链接|引用|链接|资料|延伸阅读|扩展阅读|参考)\s*[:：]?\s*$",
    re.IGNORECASE,
)
_LEFTOVER = re.compile(r"[\s\-–—:：,，;；.。|/()（）\[\]*_>\"'“”‘’·•]+")


def strip_html(text: str) -> str:
    """``text`` without HTML tags and comments, except inside code spans; spaces squashed."""
    if "<" not in text:
        return text
    parts = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(_TAG.sub("", text[last : span.start()]))
        parts.append(span.group())
        last = span.end()
    parts.append(_TAG.sub("", text[last:]))
    return " ".join("".join(parts).split())


def is_reference_heading(heading: str) -> bool:
    """``References``, ``参考文献``, ``Further reading``...: a heading that announces references."""
    return bool(_REFERENCE_HEADING.match(strip_html(heading)))


def is_reference_only(body: str, heading: str = "") -> bool:
    """Is every non-blank line of ``body`` a link, an image, a URL, a link definition or a citation?

    A citation without a link counts as one when it starts like an entry of a numbered list of
    references (``[3]``, ``3.``) or sits under a heading such as ``References``, and carries a
    year, ``arXiv``, a DOI, ``et al.`` or ``pp.``."""
    under_references = is_reference_heading(heading) if heading else False
    seen = False
    for raw in body.splitlines():
        line = strip_html(raw).strip()
        if not line or line in ("---", "***", "___"):
            continue
        seen = True
        if _DEFINITION.match(line):
            continue
        item = line[_LIST_MARKER.match(line).end() :]  # type: ignore[union-attr]
        if _links_only(item):
            continue
        if (under_references or _CITATION_START.match(line)) and _CITATION_MARK.search(item):
            continue
        return False
    return seen


def _links_only(item: str) -> bool:
    """Links, images or URLs, with at most a short label before them (`Paper: [arXiv](...)`,
    `代码：https://...`) and punctuation between or after them; never a sentence around a link."""
    links = list(_LINKS.finditer(item))
    if not links:
        return not _LEFTOVER.sub("", item)
    label = _LEFTOVER.sub("", item[: links[0].start()])
    between = "".join(_LEFTOVER.sub("", item[a.end() : b.start()]) for a, b in zip(links, links[1:]))
    after = _LEFTOVER.sub("", item[links[-1].end() :])
    return len(label) <= MAX_LABEL and not between and not after
