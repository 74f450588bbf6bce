"""What ``srs check`` reports: each kind of damage found (a :class:`Finding`: how much, a few
examples, the repair) and the report of a run (:class:`CheckReport`), worded line by line.
The checks themselves: :mod:`srs.app.check`."""

from __future__ import annotations

from dataclasses import dataclass, field

from srs.text import plural

EXAMPLES = 5  # examples listed per finding
RESTORE = "restore a backup (srs backup --list, srs restore)"


@dataclass
class Finding:
    """One kind of damage: how much, a few examples, and the repair."""

    kind: str
    count: int
    what: str  # "3 cards whose stored state differs from the replay of their log"
    repair: str  # what --fix does ("set to the replay"), or why it cannot
    examples: list[str] = field(default_factory=list)
    repairable: bool = True
    fixed: bool = False


@dataclass
class CheckReport:
    collection: str
    cards: int | None  # None: could not be counted (a damaged table)
    reviews: int | None
    findings: list[Finding]
    fix: bool
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what was not checked, why)
    refused_fix: bool = False  # --fix repaired nothing: the database itself is damaged

    @property
    def problems_left(self) -> int:
        """Findings that still stand after this run (all of them without ``--fix``), and one
        more when some checks could not run."""
        return sum(1 for f in self.findings if not f.fixed) + (1 if self.skipped else 0)

    def lines(self) -> list[str]:
        counts = [f"{n} {name}" if n is not None else f"{name} cannot be counted" for n, name in ((self.cards, "cards"), (self.reviews, "reviews"))]
        head = f"Checked {self.collection}: {', '.join(counts)}."
        if not self.findings and not self.skipped:
            return [head, "No problems found."]
        lines = [head]
        for finding in self.findings:
            if finding.fixed:
                status = f"fixed: {finding.repair}"
            elif self.refused_fix and finding.kind == "integrity":
                status = f"cannot be fixed here: the damage is not in the indexes: {RESTORE}"
            elif self.refused_fix:
                status = f"not fixed while the database is damaged (--fix would: {finding.repair})"
            elif finding.repairable:
                status = f"srs check --fix would: {finding.repair}" if not self.fix else f"not fixed: {finding.repair}"
            else:
                status = f"cannot be fixed here: {finding.repair}"
            lines.append(f"- {finding.what}; {status}")
            lines.extend(f"    {example}" for example in finding.examples)
        if self.skipped:
            reasons = list(dict.fromkeys(why for _, why in self.skipped))
            lines.append(f"Not checked ({'; '.join(reasons)}): {', '.join(what for what, _ in self.skipped)}.")
        fixed = sum(1 for f in self.findings if f.fixed)
        if self.refused_fix:
            lines.append(f"Repaired nothing: the database itself is damaged; {RESTORE}, then run srs check again.")
        elif self.fix:
            lines.append(f"Repaired {fixed} of {plural(len(self.findings), 'kind')} of problem.")
        else:
            lines.append(f"Found {plural(len(self.findings), 'kind')} of problem; run srs check --fix to repair them.")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


def short(text: str, width: int = 50) -> str:
    """``text`` on one line, cut to ``width`` characters (an example in a finding)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
