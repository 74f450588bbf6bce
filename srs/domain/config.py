"""The settings a user can change with ``srs config set``, their parsing and allowed ranges.

Pure: turns the text a user typed into a validated value or a :class:`ConfigError` that
states the allowed range. Preset settings apply to one preset (``Default`` unless named);
collection settings apply to the whole collection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from srs.errors import ConfigError
from srs.timeutil import zone

PRESET = "preset"
COLLECTION = "collection"
IMPORT = "import"  # the card syntax of imported notes: for the whole collection, or one root (--root)


@dataclass(frozen=True)
class Setting:
    key: str
    scope: str  # PRESET or COLLECTION
    help: str
    allowed: str  # the allowed range, as shown in errors
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str
    default: Any = None  # for collection settings


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ConfigError(f"{text!r} is not a whole number (allowed: {low} to {high})") from None
        if not low <= value <= high:
            raise ConfigError(f"{value} is out of range (allowed: {low} to {high})")
        return value

    return parse


def _real(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise ConfigError(f"{text!r} is not a number (allowed: {low} to {high})") from None
        if not low <= value <= high:
            raise ConfigError(f"{value} is out of range (allowed: {low} to {high})")
        return value

    return parse


def _boolean(text: str) -> bool:
    value = text.strip().lower()
    if value in {"on", "true", "yes", "1"}:
        return True
    if value in {"off", "false", "no", "0"}:
        return False
    raise ConfigError(f"{text!r} is not on/off (allowed: on, off, true, false, yes, no, 1, 0)")


def _show_boolean(value: Any) -> str:
    return "on" if value else "off"


_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


NO_STEPS = "(none)"  # how show_steps writes an empty list; parse_steps reads it back


def parse_steps(text: str) -> list[int]:
    """``"1m 10m"`` -> ``[60, 600]``; empty (or ``(none)``, as ``config show`` writes it)
    means no steps, valid in FSRS: a new card goes straight to review. Each step 1s..30d,
    at most 20."""
    if text.strip().lower() in {NO_STEPS, "none"}:
        return []
    steps: list[int] = []
    for token in text.replace(",", " ").split():
        match = _STEP.match(token.lower())
        if not match:
            raise ConfigError(f"{token!r} is not a step (allowed: numbers with s, m, h or d, e.g. \"1m 10m\")")
        seconds = round(float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
        if not 1 <= seconds <= 30 * 86400:
            raise ConfigError(f"step {token!r} is out of range (allowed: 1s to 30d)")
        steps.append(seconds)
    if len(steps) > 20:
        raise ConfigError("too many steps (allowed: at most 20)")
    return steps


def show_steps(steps: list[int]) -> str:
    parts = []
    for seconds in steps:
        for unit in ("d", "h", "m"):
            if seconds % _UNIT_SECONDS[unit] == 0:
                parts.append(f"{seconds // _UNIT_SECONDS[unit]}{unit}")
                break
        else:
            parts.append(f"{seconds}s")
    return " ".join(parts) if parts else NO_STEPS


def parse_parameters(text: str) -> list[float]:
    """21 FSRS-6 parameters, separated by commas or spaces, checked by py-fsrs."""
    try:
        values = [float(t) for t in text.replace(",", " ").split()]
    except ValueError:
        raise ConfigError("parameters must be 21 numbers separated by commas or spaces") from None
    if len(values) != 21:
        raise ConfigError(f"got {len(values)} parameters (allowed: exactly 21, FSRS-6)")
    from fsrs import Scheduler

    from srs.domain.scheduling import parameters_problem

    try:
        Scheduler(parameters=values)
    except ValueError as error:
        raise ConfigError(f"invalid FSRS parameters: {parameters_problem(error)}") from None
    return values


def _timezone(text: str) -> str:
    zone(text.strip())
    return text.strip()


def _show_parameters(values: Any) -> str:
    return ", ".join(f"{v:.4f}" for v in values)


def _separator(text: str) -> str:
    value = text.strip()
    if not value or len(value) > 12 or any(char.isspace() for char in value):
        raise ConfigError(f"{text!r} is not a separator (allowed: 1 to 12 characters, no spaces)")
    return value


# Import settings -> the srs.domain.parse_options.ParseOptions field they set (the Obsidian plugin's names in README).
IMPORT_FIELDS = {
    "import_separator": "single_line",
    "import_reversed": "single_line_reversed",
    "import_multiline": "multiline",
    "import_multiline_reversed": "multiline_reversed",
    "import_highlight_clozes": "highlights_to_clozes",
    "import_bold_clozes": "bold_to_clozes",
    "import_curly_clozes": "curly_to_clozes",
}

SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("desired_retention", PRESET, "share of cards you aim to recall when they come due", "0.70 to 0.99", _real(0.70, 0.99)),
        Setting("new_per_day", PRESET, "new cards introduced per study day", "0 to 9999", _integer(0, 9999)),
        Setting("reviews_per_day", PRESET, "reviews shown per study day", "0 to 99999", _integer(0, 99999)),
        Setting("learning_steps", PRESET, "steps before a new card graduates", "e.g. \"1m 10m\", each 1s to 30d; \"\" for none", parse_steps, show_steps),
        Setting("relearning_steps", PRESET, "steps after a lapse", "e.g. \"10m\", each 1s to 30d; \"\" for none", parse_steps, show_steps),
        Setting("maximum_interval", PRESET, "longest interval, in days", "1 to 36500", _integer(1, 36500)),
        Setting("day_start_hour", PRESET, "local hour at which a new study day starts", "0 to 23", _integer(0, 23)),
        Setting("timezone", PRESET, "IANA time zone that defines \"today\"", "an IANA name such as Asia/Shanghai", _timezone),
        Setting("enable_fuzz", PRESET, "spread review intervals slightly", "on or off", _boolean, _show_boolean),
        Setting("bury_siblings", PRESET, "bury a card's siblings until tomorrow after it is answered", "on or off", _boolean, _show_boolean),
        Setting("leech_threshold", PRESET, "lapses after which a card is tagged leech and suspended", "1 to 99", _integer(1, 99)),
        Setting("parameters", PRESET, "the 21 FSRS-6 parameters (srs optimize fits them)", "21 numbers", parse_parameters, _show_parameters),
        Setting("backup_keep", COLLECTION, "daily automatic backups kept (0 turns them off)", "0 to 365", _integer(0, 365), default=7),
        Setting(
            "import_max_chars",
            COLLECTION,
            "a section or task notes longer than this is not a card (srs import reports it); 0: no limit",
            "0 to 1000000",
            _integer(0, 1_000_000),
            default=2000,
        ),
        Setting("import_separator", IMPORT, "Q<sep>A on one line is a card (a vault's own settings win)", "1 to 12 characters", _separator, default="::"),
        Setting("import_reversed", IMPORT, "Q<sep>A on one line is two cards, both ways", "1 to 12 characters", _separator, default=":::"),
        Setting("import_multiline", IMPORT, "a line of its own between question and answer lines", "1 to 12 characters", _separator, default="?"),
        Setting("import_multiline_reversed", IMPORT, "the same, two cards both ways", "1 to 12 characters", _separator, default="??"),
        Setting("import_highlight_clozes", IMPORT, "==text== is a cloze deletion", "on or off", _boolean, _show_boolean, default=True),
        Setting("import_bold_clozes", IMPORT, "**text** is a cloze deletion", "on or off", _boolean, _show_boolean, default=False),
        Setting("import_curly_clozes", IMPORT, "{{text}} is a cloze deletion", "on or off", _boolean, _show_boolean, default=False),
        Setting("draft_model", COLLECTION, "llm model srs draft uses (llm models lists them); none: --model is needed", "an llm model id or alias", str.strip, default=""),
        Setting("editor", COLLECTION, "editor command for the review's e key (default: $VISUAL, $EDITOR, then vi)", "a command, e.g. \"code -w\"", str.strip, default=""),
    )
}


# Settings that change how the log replays: existing cards follow them after srs reschedule.
RESCHEDULING_KEYS = frozenset({"desired_retention", "parameters", "learning_steps", "relearning_steps", "maximum_interval", "enable_fuzz"})


def setting(key: str) -> Setting:
    try:
        return SETTINGS[key.strip().lower().replace("-", "_")]
    except KeyError:
        raise ConfigError(f"unknown setting {key!r} (known: {', '.join(SETTINGS)})") from None


def parse(key: str, text: str) -> tuple[Setting, Any]:
    """The setting named ``key`` and ``text`` parsed for it."""
    item = setting(key)
    try:
        return item, item.parse(text)
    except ConfigError as error:
        raise ConfigError(f"{item.key}: {error.message}") from None
