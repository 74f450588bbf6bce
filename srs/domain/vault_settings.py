"""An Obsidian vault's spaced-repetition settings: the card syntax its notes were written with.

The Obsidian spaced-repetition plugin keeps its settings in
``<vault>/.obsidian/plugins/obsidian-spaced-repetition/data.json`` (under ``"settings"``;
older versions kept them at the top level). A vault that chose ``;;`` as its separator
writes every card as ``Q;;A``: read with the defaults, all of them would be lost silently.
The notes of such a vault are read with its separators and cloze settings:

==================================  ==========================  =======
plugin setting                      :class:`ParseOptions` field  default
==================================  ==========================  =======
``singleLineCardSeparator``         ``single_line``             ``::``
``singleLineReversedCardSeparator`` ``single_line_reversed``    ``:::``
``multilineCardSeparator``          ``multiline``               ``?``
``multilineReversedCardSeparator``  ``multiline_reversed``      ``??``
``convertHighlightsToClozes``       ``highlights_to_clozes``    on
``convertBoldTextToClozes``         ``bold_to_clozes``          off
``convertCurlyBracketsToClozes``    ``curly_to_clozes``         off
==================================  ==========================  =======

``flashcardTags`` is not used: srs imports every note, not only the tagged ones.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from srs.domain.parse_options import ParseOptions

SETTINGS_FILE = os.path.join(".obsidian", "plugins", "obsidian-spaced-repetition", "data.json")
MAX_SETTINGS_BYTES = 1024 * 1024
MAX_SEPARATOR = 12

_SEPARATORS = {
    "singleLineCardSeparator": "single_line",
    "singleLineReversedCardSeparator": "single_line_reversed",
    "multilineCardSeparator": "multiline",
    "multilineReversedCardSeparator": "multiline_reversed",
}
_SWITCHES = {
    "convertHighlightsToClozes": "highlights_to_clozes",
    "convertBoldTextToClozes": "bold_to_clozes",
    "convertCurlyBracketsToClozes": "curly_to_clozes",
}


@dataclass(frozen=True, slots=True)
class VaultSettings:
    vault: str  # the vault's folder
    options: ParseOptions
    changed: tuple[str, ...]  # the plugin settings that differ from srs's defaults, as `name=value`
    problem: str | None = None  # the settings file could not be used (a warning; defaults apply)


def vault_of(folder: str, cache: dict[str, str | None]) -> str | None:
    """The deepest folder at or above ``folder`` that holds the plugin's settings file."""
    chain = []
    current = folder
    found: str | None = None
    while True:
        if current in cache:
            found = cache[current]
            break
        chain.append(current)
        if os.path.isfile(os.path.join(current, SETTINGS_FILE)):
            found = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for item in chain:
        cache[item] = found
    return found


def read_vault_settings(vault: str, base: ParseOptions) -> VaultSettings:
    """``base`` with the card syntax of the vault at ``vault``."""
    path = os.path.join(vault, SETTINGS_FILE)
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(MAX_SETTINGS_BYTES + 1)[:MAX_SETTINGS_BYTES].decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        return VaultSettings(vault, base, (), f"{SETTINGS_FILE}: cannot be read ({reason}); srs's defaults are used")
    settings: Any = data.get("settings", data) if isinstance(data, dict) else None
    if not isinstance(settings, dict):
        return VaultSettings(vault, base, (), f"{SETTINGS_FILE}: no settings in it; srs's defaults are used")
    values: dict[str, Any] = {}
    bad: list[str] = []
    for key, field_name in _SEPARATORS.items():
        value = settings.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value.strip() and "\n" not in value and len(value) <= MAX_SEPARATOR:
            values[field_name] = value.strip()
        else:
            bad.append(key)
    for key, field_name in _SWITCHES.items():
        value = settings.get(key)
        if isinstance(value, bool):
            values[field_name] = value
        elif value is not None:
            bad.append(key)
    options = replace(base, **values)
    changed = tuple(f"{key}={settings[key]}" for key, name in {**_SEPARATORS, **_SWITCHES}.items() if name in values and values[name] != getattr(base, name))
    problem = f"{SETTINGS_FILE}: {', '.join(bad)} ignored (not a usable value)" if bad else None
    return VaultSettings(vault, options, changed, problem)


def describe(settings: VaultSettings) -> str:
    """One report line: which vault's settings were used, and what they change."""
    what = ", ".join(settings.changed) if settings.changed else "the same as srs's defaults"
    return f"{Path(settings.vault).name}: Obsidian vault; its spaced-repetition settings are used ({what})"
