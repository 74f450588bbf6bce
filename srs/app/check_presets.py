"""``srs check``'s third step: preset values out of their allowed range (reset to the default
value) and collection settings that are invalid (reset to the default, by deleting the row).

The presets are read once here, and each one's scheduler settings as they will be after the
repair are what the last step replays card logs with (:mod:`srs.app.check`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from srs.app.check_report import EXAMPLES, Finding, short
from srs.domain import config
from srs.domain.scheduling import SchedulerSettings
from srs.store.collection import Session, default_preset
from srs.store.models import Setting
from srs.text import plural

BadPresets = list[tuple[Any, dict[str, Any]]]  # (preset row, its invalid fields -> their default values)


def preset_problems(preset: Any, now: datetime) -> dict[str, Any]:
    """Fields of ``preset`` whose value is invalid -> the default value to reset them to."""
    defaults = default_preset(now, name=preset.name)
    bad: dict[str, Any] = {}
    for item in config.SETTINGS.values():
        if item.scope != config.PRESET:
            continue
        value = getattr(preset, item.key)
        try:
            item.parse(item.show(value))
            if item.key in {"learning_steps", "relearning_steps"} and not all(isinstance(s, int) and s > 0 for s in value):
                raise ValueError
            if item.key == "parameters" and len(value) != 21:
                raise ValueError
        except Exception:  # noqa: BLE001 - any stored value that does not parse is invalid
            bad[item.key] = getattr(defaults, item.key)
    return bad


def settings_problems(rows: list[Any]) -> list[str]:
    """Keys of known collection settings whose stored value is invalid."""
    bad = []
    for row in rows:
        item = config.SETTINGS.get(row.key)
        if item is None or item.scope != config.COLLECTION:
            continue
        try:
            item.parse(item.show(row.value))
        except Exception:  # noqa: BLE001
            bad.append(row.key)
    return bad



def read_presets(presets: list[Any], now: datetime) -> tuple[dict[int, SchedulerSettings], BadPresets]:
    """Each preset's scheduler settings as they are after the repair (by preset id), and the
    presets with invalid values."""
    settings: dict[int, SchedulerSettings] = {}
    bad_presets: BadPresets = []
    for preset in presets:
        bad = preset_problems(preset, now)
        if bad:
            bad_presets.append((preset, bad))
        value = lambda key, bad=bad, preset=preset: bad.get(key, getattr(preset, key))  # noqa: E731 - the value after repair
        settings[preset.id] = SchedulerSettings(
            parameters=tuple(float(x) for x in value("parameters")),
            desired_retention=float(value("desired_retention")),
            learning_steps=tuple(int(x) for x in value("learning_steps")),
            relearning_steps=tuple(int(x) for x in value("relearning_steps")),
            maximum_interval=int(value("maximum_interval")),
            enable_fuzz=bool(value("enable_fuzz")),
            timezone=str(value("timezone")),
            day_start_hour=int(value("day_start_hour")),
        )
    return settings, bad_presets


def preset_finding(bad_presets: BadPresets) -> Finding:
    total = sum(len(b) for _, b in bad_presets)
    examples = [f"preset {p.name!r}: {', '.join(f'{k}={getattr(p, k)!r}' for k in bad)}" for p, bad in bad_presets]
    return Finding(
        "preset", total, f"{plural(total, 'preset value')} out of range",
        "reset to the default value", [short(e, 100) for e in examples[:EXAMPLES]],
    )


def reset_presets(session: Session, bad_presets: BadPresets, now: datetime) -> None:
    for preset, bad in bad_presets:
        for key, value in bad.items():
            setattr(preset, key, value)
        preset.updated_at = now
    session.flush()


def settings_finding(bad_settings: list[str]) -> Finding:
    return Finding("setting", len(bad_settings), f"{plural(len(bad_settings), 'invalid collection setting')} ({', '.join(bad_settings)})", "reset to the default")


def drop_settings(session: Session, keys: list[str]) -> None:
    for key in keys:
        row = session.get(Setting, key)
        if row is not None:
            session.delete(row)
    session.flush()
