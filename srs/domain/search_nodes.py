"""The nodes of a parsed search (:mod:`srs.domain.search`): one per kind of term, and the three
ways to combine them. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ANY: Literal["*"] = "*"
ONE: Literal["_"] = "_"
# A pattern: literal strings and the two wildcards, in order.
Pattern = tuple[str, ...]


@dataclass(frozen=True)
class Text:
    """Words or a phrase in the front or back."""

    pattern: Pattern


@dataclass(frozen=True)
class DeckTerm:
    pattern: Pattern  # matches the deck name or a parent of it


@dataclass(frozen=True)
class TagTerm:
    pattern: Pattern | None  # None: ``tag:none`` (no tags)


@dataclass(frozen=True)
class IsTerm:
    state: str


@dataclass(frozen=True)
class Prop:
    field: str
    op: str
    value: float


@dataclass(frozen=True)
class Rated:
    days: int
    rating: int | None


@dataclass(frozen=True)
class Added:
    days: int


@dataclass(frozen=True)
class Introduced:
    days: int


@dataclass(frozen=True)
class KindTerm:
    kind: str


@dataclass(frozen=True)
class FileTerm:
    pattern: Pattern


@dataclass(frozen=True)
class Retired:
    retired: bool


@dataclass(frozen=True)
class CardIds:
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Text | DeckTerm | TagTerm | IsTerm | Prop | Rated | Added | Introduced | KindTerm | FileTerm | Retired | CardIds | Not | And | Or

EVERYTHING = And(())
