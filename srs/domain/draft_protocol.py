"""What ``srs draft`` asks a language model, and the strict reading of its reply.

Pure: text in, text or :class:`Pair` tuples out; no model, no I/O.

The model gets one note (its front: title and heading path, and its back: the notes under
the task or the section) and is asked for a JSON object and nothing else::

    {"cards": [{"q": "question", "a": "short answer"}, ...]}

with 1 to 5 atomic cards, each answerable from the note alone, written in the note's own
language, or ``{"cards": []}`` when the note holds nothing to recall (progress, plans,
feelings, logistics). :func:`read_reply` accepts exactly that (the object may be wrapped in
one Markdown code fence, as chat models do) and raises :class:`MalformedReply` with the
reason for anything else: no JSON, prose before or after it, a truncated reply, another
structure, more than 5 cards, empty sides, or questions in the wrong language.

The language rule works on scripts, not on a language detector: a note is *CJK* (Chinese,
Japanese, Korean) when its CJK characters are at least as many as its Latin words (a
Chinese note keeps its English terms), else *Latin*. Every question drafted for a CJK note
must contain a CJK character; no question drafted for a Latin note may be mostly CJK.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

PROMPT_VERSION = 1  # part of the cache key: a new prompt asks again
MAX_CARDS = 5

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA = "\u3040-\u30ff"
_HANGUL = "\uac00-\ud7af"
CJK_CHAR = re.compile(f"[{_HAN}{_KANA}{_HANGUL}]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]{2,}")
_FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n(.*)\n[ \t]*```", re.DOTALL)


class MalformedReply(Exception):
    """The reply is not what was asked; ``str(error)`` says why (one line)."""


@dataclass(frozen=True, slots=True)
class Pair:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class Language:
    script: str  # "cjk" or "latin"
    name: str  # how the prompt names it


def note_language(text: str) -> Language:
    """The script of a note (see the module docstring) and the language named in the prompt."""
    cjk = CJK_CHAR.findall(text)
    latin = len(_LATIN_WORD.findall(text))
    if cjk and len(cjk) >= latin:
        joined = "".join(cjk)
        if re.search(f"[{_HANGUL}]", joined):
            return Language("cjk", "Korean")
        if re.search(f"[{_KANA}]", joined):
            return Language("cjk", "Japanese")
        return Language("cjk", "Chinese (the note's own script, simplified or traditional)")
    return Language("latin", "the language the note is written in")


SYSTEM_PROMPT = """\
You turn a student's note into flashcards for spaced repetition.
Reply with one JSON object and nothing else, exactly of this form:
{"cards": [{"q": "question", "a": "answer"}]}
Rules:
- Give 1 to 5 cards. Each card asks one thing; its answer is short: a term, a phrase or one sentence.
- Every answer must be stated in the note itself. Never add facts, numbers or names that the note does not contain.
- Each question must make sense without the note (name the subject, do not say "the note" or "this text").
- Write every question and answer in {language}.
- Keep code, formulas and LaTeX ($...$) exactly as the note writes them.
- If the note holds nothing to recall (progress reports, plans, feelings, logistics, to-do lists), reply {"cards": []}.
"""


def build_prompt(front: str, back: str) -> tuple[str, str]:
    """(system prompt, user prompt) for one note: front is the card's title and heading
    path, back the note's text."""
    language = note_language(back if back.strip() else front)
    system = SYSTEM_PROMPT.replace("{language}", language.name)
    prompt = f"Where the note is: {front.strip()}\n\nThe note:\n\"\"\"\n{back.strip()}\n\"\"\"\n\nReply with the JSON object only."
    return system, prompt


# JSON schema for models that support structured output (llm's ``schema=``).
REPLY_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "cards": {
            "type": "array",
            "maxItems": MAX_CARDS,
            "items": {
                "type": "object",
                "properties": {"q": {"type": "string"}, "a": {"type": "string"}},
                "required": ["q", "a"],
            },
        }
    },
    "required": ["cards"],
}


def _json_text(reply: str) -> str:
    text = reply.strip()
    if not text:
        raise MalformedReply("empty reply")
    fenced = _FENCE.fullmatch(text)
    if fenced:
        text = fenced.group(1).strip()
    elif text.startswith("```"):
        raise MalformedReply("truncated reply (unclosed code fence)" if text.count("```") == 1 else "extra prose around the code fence")
    if text.startswith("["):
        raise MalformedReply('not the asked structure (a list, not an object with a "cards" list)')
    start = text.find("{")
    if start < 0:
        raise MalformedReply("no JSON object in the reply")
    if text[:start].strip():
        raise MalformedReply("extra prose before the JSON object")
    return text[start:]


def _decode(text: str) -> object:
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) - 1 or "Unterminated" in error.msg:
            raise MalformedReply("truncated reply (the JSON object is not closed)") from None
        raise MalformedReply(f"not valid JSON ({error.msg} at character {error.pos})") from None
    if text[end:].strip():
        raise MalformedReply("extra prose after the JSON object")
    return value


def _side(item: dict[str, object], names: tuple[str, str], number: int) -> str:
    present = [name for name in names if name in item]
    if len(present) != 1 or not isinstance(item[present[0]], str):
        raise MalformedReply(f"card {number} has no {names[0]!r} string")
    text = " ".join(str(item[present[0]]).split())
    if not text:
        raise MalformedReply(f"card {number} has an empty {names[0]!r}")
    return text


def _pairs(value: object) -> list[Pair]:
    if not isinstance(value, dict) or set(value) != {"cards"} or not isinstance(value["cards"], list):
        raise MalformedReply('not the asked structure (an object with only a "cards" list)')
    cards = value["cards"]
    if len(cards) > MAX_CARDS:
        raise MalformedReply(f"{len(cards)} cards (at most {MAX_CARDS} were asked)")
    pairs: list[Pair] = []
    for number, item in enumerate(cards, 1):
        if not isinstance(item, dict) or not set(item) <= {"q", "a", "question", "answer"}:
            raise MalformedReply(f"card {number} is not an object with \"q\" and \"a\"")
        pair = Pair(_side(item, ("q", "question"), number), _side(item, ("a", "answer"), number))
        if all(pair.question != seen.question for seen in pairs):
            pairs.append(pair)
    return pairs


def _check_language(pairs: list[Pair], language: Language) -> None:
    for number, pair in enumerate(pairs, 1):
        cjk = len(CJK_CHAR.findall(pair.question))
        latin = len(_LATIN_WORD.findall(pair.question))
        if language.script == "cjk" and cjk == 0:
            raise MalformedReply(f"wrong language: card {number}'s question is not in the note's CJK script")
        if language.script == "latin" and cjk > latin:
            raise MalformedReply(f"wrong language: card {number}'s question is in a CJK script, the note is not")


def read_reply(reply: str, note_text: str) -> list[Pair]:
    """The cards of a model's reply to :func:`build_prompt` for a note whose text is
    ``note_text`` ([] = nothing to recall); :class:`MalformedReply` for anything else."""
    pairs = _pairs(_decode(_json_text(reply)))
    _check_language(pairs, note_language(note_text))
    return pairs
