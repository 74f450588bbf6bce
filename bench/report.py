"""The result table: one row per measured operation, as plain text and as Markdown."""

from __future__ import annotations

import os
import platform
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

PASS, FAIL, NA = "PASS", "FAIL", "n/a"


@dataclass
class Row:
    """One operation: its median time, the floor measured in the same run, and the verdict."""

    operation: str
    target: str
    time: float | None = None  # seconds (or milliseconds when unit == "ms")
    floor: float | None = None
    rss_mb: float | None = None
    cpu: float | None = None  # user + system CPU seconds of the command (median), same unit as time
    verdict: str = NA
    note: str = ""
    unit: str = "s"
    runs: list[float] = field(default_factory=list)
    floor_runs: list[float] = field(default_factory=list)
    floor_rss_mb: float | None = None
    floor_cpu: float | None = None
    anki: float | None = None  # Anki's backend doing the same work, same unit as time (None: no equivalent)
    anki_cpu: float | None = None
    anki_runs: list[float] = field(default_factory=list)

    @property
    def anki_ratio(self) -> float | None:
        if self.time is None or not self.anki:
            return None
        return self.time / self.anki

    @property
    def ratio(self) -> float | None:
        if self.time is None or not self.floor:
            return None
        return self.time / self.floor


def _duration(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def _cells(row: Row) -> list[str]:
    ratio, anki_ratio = row.ratio, row.anki_ratio
    return [
        row.operation,
        _duration(row.time, row.unit),
        _duration(row.anki, row.unit),
        _duration(row.floor, row.unit),
        "-" if anki_ratio is None else f"{anki_ratio:.2f}x",
        "-" if ratio is None else f"{ratio:.2f}x",
        _duration(row.cpu, row.unit),
        "-" if row.cpu is None or not row.anki_cpu else f"{row.cpu / row.anki_cpu:.2f}x",
        "-" if row.rss_mb is None else f"{row.rss_mb:.0f} MB",
        row.target,
        row.verdict,
    ]


HEADERS = ["operation", "srs (median)", "Anki", "floor", "srs/Anki", "srs/floor", "CPU", "CPU srs/Anki", "peak RSS", "target", "result"]


def text_table(rows: list[Row]) -> str:
    """The table for a terminal, with the notes (why n/a, what failed) under it."""
    cells = [HEADERS] + [_cells(r) for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS))]
    right = {1, 2, 3, 4, 5, 6, 7, 8}
    lines = []
    for index, line in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths))).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  [{i}] {r.operation}: {r.note}" for i, r in enumerate(rows, 1) if r.note]
    if notes:
        lines += ["", "notes:"] + notes
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    """The same table in Markdown (for BENCHMARKS.md), notes as a list under it."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---", "---"]) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(row)) + " |")
    notes = [f"- **{r.operation}**: {r.note}" for r in rows if r.note]
    if notes:
        lines += [""] + notes
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """Cores, memory, CPU model, Python and SQLite versions, kernel, load now."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def header(sizes: str, load_before: str, load_after: str, when: datetime | None = None) -> str:
    info = machine()
    when = when or datetime.now(timezone.utc)
    return (
        f"{when:%Y-%m-%d %H:%M} UTC; {info['cpu']}, {info['cores']} cores, {info['memory']} RAM; "
        f"Python {info['python']}, SQLite {info['sqlite']}, {info['system']}\n"
        f"sizes: {sizes}; load average (1/5/15 min) before: {load_before}, after: {load_after}"
    )


def as_json(rows: list[Row]) -> list[dict[str, object]]:
    return [{**asdict(r), "ratio": r.ratio, "anki_ratio": r.anki_ratio} for r in rows]
