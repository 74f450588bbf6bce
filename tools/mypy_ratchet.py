"""mypy on srs/ against a baseline that only shrinks (make lint; CONTRIBUTING.md).

    python tools/mypy_ratchet.py            fail on any error not in tools/mypy-baseline.txt
    python tools/mypy_ratchet.py --update   rewrite the baseline (only ever to remove entries)

An error is identified by its file, code and message, not its line, so that editing a file does not
invalidate its baseline. A new error fails; a fixed one asks for the baseline to be shrunk, and
--update refuses to let the baseline grow (pass --allow-growth to override, and say why in the commit).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tools" / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:]+):\d+(?::\d+)?: error: (?P<message>.*?)\s+\[(?P<code>[a-z-]+)\]$")


def current_errors() -> Counter[str]:
    """Run mypy (configured in pyproject.toml) and key each error as ``path: [code] message``."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-pretty", "--no-error-summary"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"mypy failed to run:\n{result.stdout}{result.stderr}")
    errors: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            message = re.sub(r"\bline \d+", "line N", match["message"])  # "already defined on line 136"
            errors[f"{match['path']}: [{match['code']}] {message}"] += 1
    return errors


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    lines = [line for line in BASELINE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return Counter(lines)


def write_baseline(errors: Counter[str]) -> None:
    header = "# mypy errors tolerated today, one line per occurrence; this file may only shrink (tools/mypy_ratchet.py)\n"
    BASELINE.write_text(header + "".join(f"{key}\n" for key in sorted(errors.elements())), encoding="utf-8")


def main(argv: list[str]) -> int:
    errors, baseline = current_errors(), read_baseline()
    if "--update" in argv:
        if sum(errors.values()) > sum(baseline.values()) and BASELINE.exists() and "--allow-growth" not in argv:
            print(f"mypy: {sum(errors.values())} errors, more than the baseline's {sum(baseline.values())}: fix them instead")
            return 1
        write_baseline(errors)
        print(f"mypy baseline: {sum(errors.values())} errors")
        return 0
    new = errors - baseline
    fixed = baseline - errors
    for key in sorted(new.elements()):
        print(f"new mypy error: {key}")
    if new:
        print(f"mypy: {sum(new.values())} new error(s) (baseline {sum(baseline.values())}); run mypy to see their lines")
        return 1
    if fixed:
        print(f"mypy: {sum(fixed.values())} baseline error(s) fixed: shrink the baseline with python tools/mypy_ratchet.py --update")
        return 1
    print(f"mypy: {sum(errors.values())} errors, all in the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
