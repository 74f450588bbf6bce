"""What a user can change about how notes are read (``srs config``, a vault's plugin settings)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from srs.domain.recallable import DEFAULT_MAX_CHARS


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """What a user can change about how notes are read (``srs config``)."""

    max_chars: int = DEFAULT_MAX_CHARS  # longer section bodies and task notes are not cards; 0: no limit
    # The card syntax, as the Obsidian spaced-repetition plugin's settings name it (a vault's
    # .obsidian/plugins/obsidian-spaced-repetition/data.json, or srs config).
    single_line: str = "::"
    single_line_reversed: str = ":::"
    multiline: str = "?"
    multiline_reversed: str = "??"
    highlights_to_clozes: bool = True
    bold_to_clozes: bool = False
    curly_to_clozes: bool = False

    def signature(self) -> str:
        """Empty for the defaults; else what must be stored so that a change re-reads every file."""
        if self == ParseOptions():
            return ""
        return hashlib.sha256(repr(tuple(getattr(self, name) for name in self.__slots__)).encode()).hexdigest()[:16]

    @property
    def default_separators(self) -> bool:
        return (self.single_line, self.single_line_reversed) == ("::", ":::")
