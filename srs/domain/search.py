"""Anki's search language for cards, parsed into a tree. Pure: no I/O, no clock.

``parse("deck:Papers -is:new (tag:nlp or \\"self attention\\") prop:r<0.8")`` gives a tree
of the nodes below; :mod:`srs.store.search` compiles it to one SQL WHERE clause. The
grammar is Anki's (manual, "Searching"; ``rslib/src/search/parser.rs``):

* terms separated by spaces are ANDed (``and`` may be written); ``or`` between terms;
  parentheses group; ``-`` before a term or a group negates it;
* ``"quoted text"`` (or ``key:"quoted value"``) keeps spaces and parentheses;
* in text, ``*`` is any run of characters and ``_`` any one character; ``\\`` escapes
  ``* _ " ( ) - : \\``; text matches front or back, case-insensitively, anywhere.

A malformed or unknown term raises :class:`SearchError` naming the term and its column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from srs.domain.search_nodes import (
    ANY,
    EVERYTHING,
    ONE,
    Added,
    And,
    CardIds,
    DeckTerm,
    FileTerm,
    Introduced,
    IsTerm,
    KindTerm,
    Node,
    Not,
    Or,
    Pattern,
    Prop,
    Rated,
    Retired,
    TagTerm,
    Text,
)
from srs.errors import SrsError

__all__ = [
    "ANY", "EVERYTHING", "ONE", "Added", "And", "CardIds", "DeckTerm", "FileTerm", "Introduced", "IsTerm", "KindTerm",
    "Node", "Not", "Or", "Pattern", "Prop", "Rated", "Retired", "TagTerm", "Text",
    "KINDS", "OPERATORS", "PROPS", "STATES", "SearchError", "mentions_retired", "parse", "pattern", "unescape",
]

KINDS = ("task", "section", "basic", "reversed", "cloze", "imported", "anki")
STATES = ("new", "learn", "review", "due", "suspended", "buried", "leech")
OPERATORS = ("<=", ">=", "!=", "=", "<", ">")
# prop: fields -> (what it is, whether its value is a whole number, allowed operators)
PROPS: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "ivl": ("interval in days", True, OPERATORS),
    "due": ("days until due (0 today, 1 tomorrow, -1 yesterday)", True, OPERATORS),
    "lapses": ("lapses", True, OPERATORS),
    "reps": ("reviews", True, OPERATORS),
    "r": ("retrievability now, 0-1", False, ("<", "<=", ">", ">=")),
    "s": ("stability in days", False, ("<", "<=", ">", ">=")),
    "d": ("difficulty, 0-1 as in Anki", False, ("<", "<=", ">", ">=")),
}


class SearchError(SrsError):
    """A search that cannot be understood; the message points at the term."""




@dataclass(frozen=True)
class _Token:
    kind: Literal["(", ")", "term", "or", "and"]
    text: str  # the term as written, escapes kept (quotes removed)
    column: int  # 1-based position in the query
    negated: bool = False
    quoted: bool = False


def _error(query: str, column: int, message: str) -> SearchError:
    return SearchError(f"search {query!r}, column {column}: {message}")


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
            continue
        start = i
        negated = False
        if char == "-" and i + 1 < n and not query[i + 1].isspace():
            negated, i = True, i + 1
            char = query[i]
        if char in "()":
            if char == ")" and negated:
                raise _error(query, start + 1, "'-' before ')'")
            tokens.append(_Token(char, char, start + 1, negated))  # type: ignore[arg-type]
            i += 1
            continue
        text, i, quoted = _term(query, i)
        kind = text.lower() if not quoted and not negated and text.lower() in ("or", "and") else "term"
        tokens.append(_Token(kind, text, start + 1, negated, quoted))  # type: ignore[arg-type]
    return tokens


def _term(query: str, i: int) -> tuple[str, int, bool]:
    """One term from ``i``: up to an unescaped space or parenthesis outside quotes."""
    out: list[str] = []
    quoted = False
    in_quotes = False
    start, n = i, len(query)
    while i < n:
        char = query[i]
        if char == "\\":
            if i + 1 >= n:
                raise _error(query, i + 1, "a search cannot end with a lone '\\' (write '\\\\' for a backslash)")
            out.append(query[i : i + 2])
            i += 2
            continue
        if char == '"':
            in_quotes, quoted = not in_quotes, True
            i += 1
            continue
        if not in_quotes and (char.isspace() or char in "()"):
            break
        out.append(char)
        i += 1
    if in_quotes:
        raise _error(query, start + 1, "unclosed quote")
    text = "".join(out)
    if not text and not quoted:
        raise _error(query, start + 1, "empty term")
    return text, i, quoted


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.pos = 0

    def parse(self) -> Node:
        node = self._or()
        if self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            raise _error(self.query, token.column, "')' without '('" if token.kind == ")" else f"unexpected {token.text!r}")
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _or(self) -> Node:
        nodes = [self._and()]
        while (token := self._peek()) is not None and token.kind == "or":
            self.pos += 1
            if self._peek() is None or self._peek().kind in (")", "or", "and"):  # type: ignore[union-attr]
                raise _error(self.query, token.column, "'or' needs a term after it")
            nodes.append(self._and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def _and(self) -> Node:
        nodes: list[Node] = []
        while (token := self._peek()) is not None and token.kind not in (")", "or"):
            if token.kind == "and":
                if not nodes:
                    raise _error(self.query, token.column, "'and' needs a term before it")
                self.pos += 1
                after = self._peek()
                if after is None or after.kind in (")", "or", "and"):
                    raise _error(self.query, token.column, "'and' needs a term after it")
                continue
            nodes.append(self._unit())
        if not nodes:
            token = self._peek()
            column = token.column if token else len(self.query) + 1
            raise _error(self.query, column, "'or' needs a term before it" if token and token.kind == "or" else "empty group")
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def _unit(self) -> Node:
        token = self.tokens[self.pos]
        self.pos += 1
        if token.kind == "(":
            if self._peek() is not None and self._peek().kind == ")":  # type: ignore[union-attr]
                raise _error(self.query, token.column, "empty parentheses")
            node = self._or()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise _error(self.query, token.column, "'(' without ')'")
            self.pos += 1
        else:
            node = _term_node(self.query, token)
        return Not(node) if token.negated else node


def parse(query: str) -> Node:
    """The tree of ``query``; an empty query matches every card (:data:`EVERYTHING`)."""
    if not query.strip():
        return EVERYTHING
    return _Parser(query).parse()


def _split_key(text: str) -> tuple[str, str] | None:
    """``key:value`` at the first unescaped colon (None for plain text)."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ":":
            return text[:i], text[i + 1 :]
        i += 1
    return None


def pattern(text: str) -> Pattern:
    """``text`` with ``*``/``_`` wildcards and ``\\`` escapes as a :data:`Pattern`."""
    parts: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            literal.append(text[i + 1])
            i += 2
            continue
        if char in (ANY, ONE):
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(char)
        else:
            literal.append(char)
        i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def unescape(text: str) -> str:
    """``text`` with escapes removed and wildcards kept as written."""
    return "".join(p for p in pattern(text))


def _term_node(query: str, token: _Token) -> Node:
    split = _split_key(token.text)
    if split is None:
        return Text(pattern(token.text))
    key, value = split[0].lower(), split[1]
    handler = _KEYS.get(key)
    if handler is None:
        known = ", ".join(f"{k}:" for k in _KEYS)
        raise _error(query, token.column, f"unknown search {split[0]}: in {token.text!r} (known: {known}; write \\: for a colon in text)")
    try:
        return handler(value)
    except ValueError as error:
        raise _error(query, token.column, f"{token.text!r}: {error}") from None


def _nonempty(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"needs {what} after the colon")
    return value


def _days(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{value!r} is not a number of days (1 = today)")
    return int(value)


def _rated(value: str) -> Node:
    days, _, rating = value.partition(":")
    if not rating:
        return Rated(_days(days), None)
    if rating not in ("1", "2", "3", "4"):
        raise ValueError(f"answer {rating!r} is not 1, 2, 3 or 4 (Again, Hard, Good, Easy)")
    return Rated(_days(days), int(rating))


def _is(value: str) -> Node:
    state = value.lower()
    if state not in STATES:
        raise ValueError(f"is: takes {', '.join(STATES)}")
    return IsTerm(state)


def _kind(value: str) -> Node:
    kind = value.lower()
    if kind not in KINDS:
        raise ValueError(f"kind: takes {', '.join(KINDS)}")
    return KindTerm(kind)


def _retired(value: str) -> Node:
    answer = value.lower()
    if answer not in ("yes", "no"):
        raise ValueError("retired: takes yes or no")
    return Retired(answer == "yes")


def _tag(value: str) -> Node:
    value = _nonempty(value, "a tag")
    return TagTerm(None) if value.lower() == "none" else TagTerm(pattern(value))


def _cid(value: str) -> Node:
    parts = value.split(",")
    if not all(p.strip().isdigit() for p in parts):
        raise ValueError("cid: takes card ids separated by commas (cid:12,34)")
    return CardIds(tuple(int(p) for p in parts))


def _prop(value: str) -> Node:
    for op in OPERATORS:  # two-character operators first
        field, found, number = value.partition(op)
        if found and field and not any(o in field for o in "<>=!"):
            break
    else:
        raise ValueError("prop: needs a comparison such as prop:ivl>=10 (operators < <= = != >= >)")
    field = field.lower()
    if field not in PROPS:
        raise ValueError(f"unknown property {field!r} (known: {', '.join(PROPS)})")
    what, whole, allowed = PROPS[field]
    if op not in allowed:
        raise ValueError(f"prop:{field} takes {' '.join(allowed)}")
    try:
        parsed = int(number) if whole else float(number)
    except ValueError:
        raise ValueError(f"{number!r} is not {'a whole number' if whole else 'a number'} ({what})") from None
    if field in ("r", "d") and not 0 <= parsed <= 1:
        raise ValueError(f"{number!r} is not between 0 and 1 ({what})")
    if parsed != parsed or parsed in (float("inf"), float("-inf")):
        raise ValueError(f"{number!r} is not a number")
    return Prop(field, op, float(parsed))


_KEYS = {
    "deck": lambda v: DeckTerm(pattern(_nonempty(v, "a deck name"))),
    "tag": _tag,
    "is": _is,
    "prop": _prop,
    "rated": _rated,
    "added": lambda v: Added(_days(v)),
    "introduced": lambda v: Introduced(_days(v)),
    "kind": _kind,
    "file": lambda v: FileTerm(pattern(_nonempty(v, "a path or glob"))),
    "retired": _retired,
    "cid": _cid,
}


def mentions_retired(node: Node) -> bool:
    """Whether the search says anything about retired cards (otherwise they are left out)."""
    if isinstance(node, Retired):
        return True
    if isinstance(node, Not):
        return mentions_retired(node.node)
    if isinstance(node, (And, Or)):
        return any(mentions_retired(n) for n in node.nodes)
    return isinstance(node, CardIds)
