"""Is a drafted answer supported by its note? A documented, CJK-aware coverage rule.

Pure: two strings in, a :class:`Grounding` out.

Both texts are normalised (Unicode NFKC, so full-width ``ＧＰＵ`` is ``gpu``; lower case) and
cut into tokens: each CJK character is a token (Chinese has no spaces, and a character is the
unit a paraphrase keeps), each run of other letters or digits is a token (a Latin word, a
number, an identifier), and each LaTeX command (``\\frac``, ``\\sqrt``) is a token. English
function words (``the``, ``is``, ``of`` ...) and Chinese function characters (``的``, ``了``,
``是`` ...) are dropped; a Latin word loses a plural ``s``.

An answer is **grounded** when all of these hold:

1. it has at least one content token;
2. at least ``COVERAGE`` (75%) of its content tokens occur in the note;
3. every number in it occurs in the note (numbers are what a model invents most easily);
4. when it has at least 4 CJK characters, at least ``CJK_PAIRS`` (30%) of its adjacent CJK
   character pairs occur in the note, so that common characters recombined into a new claim
   do not pass on rule 2 alone.

The rule checks that the answer's words come from the note, not that they are arranged into
a true statement: it catches invented facts, names and numbers, not a reversed relation made
of the note's own words. That is why each draft is still shown to the user before it is kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from srs.domain.draft_protocol import CJK_CHAR

COVERAGE = 0.75
CJK_PAIRS = 0.30

_TOKEN = re.compile(r"\\[a-z]+|(?P<cjk>[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])|(?:(?![\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])[^\W_])+")
_STOP_WORDS = frozenset(
    """a an the of to in on at by for with from into onto as is are was were be been being it its this that these those
    and or but not no so than then there here which who whom whose what when where why how do does did done has have had
    can could may might will would shall should must also only just very more most such each every any all some
    one ones we you he she they them their our your his her i me my us""".split()
)
_STOP_CHARS = frozenset("的了是在和与或也就都而及着过把被对于这那个些有为以之其中吗呢吧啊")


@dataclass(frozen=True, slots=True)
class Grounding:
    grounded: bool
    coverage: float  # share of the answer's content tokens found in the note (0..1)
    missing: tuple[str, ...]  # content tokens of the answer not in the note

    def to_dict(self) -> dict[str, object]:
        return {"grounded": self.grounded, "coverage": round(self.coverage, 3), "missing": list(self.missing)}


def _normalise(token: str) -> str:
    if token.isalpha() and token.isascii() and len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """The content tokens of ``text``, in order (see the module docstring)."""
    normal = unicodedata.normalize("NFKC", text).lower()
    found = []
    for match in _TOKEN.finditer(normal):
        token = match.group()
        if token in _STOP_WORDS or token in _STOP_CHARS:
            continue
        found.append(_normalise(token))
    return found


def _cjk_pairs(text: str) -> set[str]:
    normal = unicodedata.normalize("NFKC", text)
    return {normal[i : i + 2] for i in range(len(normal) - 1) if CJK_CHAR.match(normal[i]) and CJK_CHAR.match(normal[i + 1])}


def ground(answer: str, note: str) -> Grounding:
    """Whether ``answer`` is supported by ``note`` (the rule of the module docstring)."""
    wanted = tokens(answer)
    if not wanted:
        return Grounding(False, 0.0, ())
    have = set(tokens(note))
    missing = tuple(dict.fromkeys(token for token in wanted if token not in have))
    coverage = sum(1 for token in wanted if token in have) / len(wanted)
    grounded = coverage >= COVERAGE and not any(token.isdigit() for token in missing)
    if grounded and len(CJK_CHAR.findall(answer)) >= 4:
        pairs = _cjk_pairs(answer)
        if pairs:
            grounded = len(pairs & _cjk_pairs(note)) / len(pairs) >= CJK_PAIRS
    return Grounding(grounded, coverage, missing)
