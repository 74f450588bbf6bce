"""The house rules, read from the code's own syntax tree (CONTRIBUTING.md).

- no module over 400 lines and no function over 60, except the allow-lists below, which record
  today's offenders at their size: an entry may only shrink (lower its number when you shrink the
  code, delete it once the code fits);
- imports inside functions only in srs/commands/ and srs/cli.py, where they keep ``srs --help``
  light; elsewhere only the counts allowed below, which may only shrink.

``python tests/test_house.py`` prints the current figures in the allow-lists' format;
``python tests/test_house.py --shrink`` lowers the allow-lists to today's figures (never raises one).
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LAZY_IMPORTS_ALLOWED_IN = ("srs/commands/", "srs/cli.py")

# Modules over 400 lines: path -> the most lines it may have.
BIG_MODULES: dict[str, int] = {
}

# Functions over 60 lines: "path::Qualified.name" -> the most lines it may have.
LONG_FUNCTIONS: dict[str, int] = {
}

# Imports inside functions outside srs/commands/ and srs/cli.py: path -> the most it may have.
FUNCTION_IMPORTS: dict[str, int] = {
    "srs/anki/inflate_budget.py": 2,
    "srs/anki/package.py": 1,
    "srs/anki/render_html.py": 4,
    "srs/app/anki_export.py": 11,
    "srs/app/anki_export_plan.py": 1,
    "srs/app/anki_import_media.py": 2,
    "srs/app/anki_roundtrip.py": 3,
    "srs/app/cards.py": 1,
    "srs/app/draft.py": 2,
    "srs/app/draft_accept.py": 1,
    "srs/app/import_files.py": 3,
    "srs/app/importing.py": 1,
    "srs/app/llm_model.py": 1,
    "srs/app/settings.py": 1,
    "srs/app/synthetic.py": 5,
    "srs/app/synthetic_model.py": 1,  # review_values (loads SQLAlchemy), moved from synthetic.py
    "srs/app/transfer.py": 1,
    "srs/app/worker_pool.py": 3,
    "srs/domain/config.py": 2,
    "srs/domain/evaluation.py": 1,
    "srs/domain/forgetting_curve.py": 5,
    "srs/domain/front_matter.py": 1,  # yaml, moved from parser.py (the 4 became 3 + 1)
    "srs/domain/optimizer.py": 5,
    "srs/domain/parser.py": 3,
    "srs/domain/stats.py": 3,
    "srs/domain/workload.py": 3,
    "srs/render/cards.py": 4,
    "srs/render/console.py": 5,
    "srs/render/draft.py": 4,
    "srs/render/importing.py": 7,
    "srs/render/keys.py": 6,
    "srs/render/note.py": 2,
    "srs/render/stats_charts.py": 6,
    "srs/render/stats_plots.py": 1,
    "srs/store/anki.py": 3,
    "srs/store/anki_merge.py": 1,
    "srs/store/database.py": 2,  # moved with the code from collection.py
    "srs/store/migrations.py": 8,
    "srs/store/reviews.py": 1,
    "srs/store/search.py": 1,
    "srs/store/stats.py": 4,
}


@functools.cache
def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted((ROOT / "srs").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("srs/_migrations/") or "__pycache__" in path.parts:
            continue
        found[relative] = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    return found


def module_lines() -> dict[str, int]:
    return {relative: (ROOT / relative).read_text(encoding="utf-8").count("\n") for relative in modules()}


def function_lines() -> dict[str, int]:
    """Every function and method, nested ones under their parent's name, with its length in lines."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str, relative: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    found[f"{relative}::{name}"] = child.end_lineno - child.lineno + 1
                visit(child, f"{name}.", relative)
            else:
                visit(child, prefix, relative)

    for relative, tree in modules().items():
        visit(tree, "", relative)
    return found


def direct_function_imports() -> Counter[str]:
    """Each import inside a function counted once (under its innermost function)."""
    counts: Counter[str] = Counter()
    for relative, tree in modules().items():
        inside: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inside.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom))
        counts[relative] = len(inside)
    return +counts


def over_limit(sizes: dict[str, int], limit: int, allowed: dict[str, int], what: str) -> list[str]:
    problems = []
    for key, size in sorted(sizes.items()):
        if size > limit and size > allowed.get(key, limit):
            ceiling = allowed.get(key)
            problems.append(f"{key}: {size} lines, over the {limit}-line limit" + (f" and its allowed {ceiling}" if ceiling else "") + f" ({what})")
    for key in sorted(allowed):
        if sizes.get(key, 0) <= limit:
            problems.append(f"{key}: no longer over {limit} lines (or gone): delete it from the allow-list")
    return problems


def test_no_module_over_400_lines_but_the_allowed_ones() -> None:
    assert over_limit(module_lines(), MAX_MODULE_LINES, BIG_MODULES, "split it by concept") == []


def test_no_function_over_60_lines_but_the_allowed_ones() -> None:
    assert over_limit(function_lines(), MAX_FUNCTION_LINES, LONG_FUNCTIONS, "split it") == []


def test_imports_inside_functions_only_in_the_command_layer() -> None:
    problems = []
    counts = direct_function_imports()
    for relative, count in sorted(counts.items()):
        if relative.startswith(LAZY_IMPORTS_ALLOWED_IN):
            continue
        if count > FUNCTION_IMPORTS.get(relative, 0):
            problems.append(f"{relative}: {count} imports inside functions, allowed {FUNCTION_IMPORTS.get(relative, 0)}: import at the top of the module")
    for relative, allowed in sorted(FUNCTION_IMPORTS.items()):
        if counts.get(relative, 0) == 0:
            problems.append(f"{relative}: no import inside a function any more: delete it from FUNCTION_IMPORTS")
        elif counts[relative] < allowed:
            problems.append(f"{relative}: {counts[relative]} imports inside functions: lower its FUNCTION_IMPORTS entry from {allowed}")
    assert problems == []


def test_the_ratchet_bites() -> None:
    """A new offender, an allowed one that grew, and a stale entry are all reported; a shrunk one is not."""
    sizes = {"new.py": 401, "grew.py": 520, "shrunk.py": 450, "fits.py": 300}
    problems = over_limit(sizes, 400, {"grew.py": 500, "shrunk.py": 480, "fits.py": 410, "gone.py": 600}, "split it")
    assert [problem.split(":")[0] for problem in problems] == ["grew.py", "new.py", "fits.py", "gone.py"]


def test_the_allow_lists_are_what_they_say() -> None:
    """The allow-lists name real offenders only (a typo would silently allow nothing)."""
    assert all(size > MAX_MODULE_LINES for size in BIG_MODULES.values())
    assert all(size > MAX_FUNCTION_LINES for size in LONG_FUNCTIONS.values())
    assert not [key for key in FUNCTION_IMPORTS if key.startswith(LAZY_IMPORTS_ALLOWED_IN)]


def print_figures() -> None:
    print("BIG_MODULES: dict[str, int] = {")
    for key, size in sorted(module_lines().items()):
        if size > MAX_MODULE_LINES:
            print(f'    "{key}": {size},')
    print("}\n\nLONG_FUNCTIONS: dict[str, int] = {")
    for key, size in sorted(function_lines().items()):
        if size > MAX_FUNCTION_LINES:
            print(f'    "{key}": {size},')
    print("}\n\nFUNCTION_IMPORTS: dict[str, int] = {")
    counts = direct_function_imports()
    for key, count in sorted(counts.items()):
        if not key.startswith(LAZY_IMPORTS_ALLOWED_IN):
            print(f'    "{key}": {count},')
    print("}")
    print(f"# totals: {sum(v > MAX_MODULE_LINES for v in module_lines().values())} big modules, "
          f"{sum(v > MAX_FUNCTION_LINES for v in function_lines().values())} long functions, "
          f"{sum(counts.values())} function-level imports ({sum(v for k, v in counts.items() if not k.startswith(LAZY_IMPORTS_ALLOWED_IN))} outside commands/cli)",
          file=sys.stderr)


def shrink() -> None:
    """Rewrite the three allow-lists in this file: each entry lowered to today's figure, fixed ones dropped."""
    import re

    current = {
        "BIG_MODULES": (module_lines(), MAX_MODULE_LINES, BIG_MODULES),
        "LONG_FUNCTIONS": (function_lines(), MAX_FUNCTION_LINES, LONG_FUNCTIONS),
        "FUNCTION_IMPORTS": (dict(direct_function_imports()), 0, FUNCTION_IMPORTS),
    }
    source = Path(__file__).read_text(encoding="utf-8")
    for name, (sizes, limit, allowed) in current.items():
        kept = {key: min(ceiling, sizes[key]) for key, ceiling in allowed.items() if sizes.get(key, 0) > limit}
        body = "".join(f'    "{key}": {value},\n' for key, value in sorted(kept.items()))
        source = re.sub(rf"^{name}: dict\[str, int\] = \{{\n.*?^\}}", f"{name}: dict[str, int] = {{\n{body}}}", source, count=1, flags=re.S | re.M)
    Path(__file__).write_text(source, encoding="utf-8")


if __name__ == "__main__":
    shrink() if "--shrink" in sys.argv else print_figures()


def test_the_scheduler_and_queue_rules_do_not_load_the_database_layer() -> None:
    """Pure code (card values, scheduling, queue rules, statistics) imports without SQLAlchemy."""
    code = "import sys, srs.domain.cards, srs.domain.scheduling, srs.domain.queue_rules, srs.domain.stats, srs.domain.forgetting, srs.text; print(sorted(m for m in ('sqlalchemy', 'alembic', 'rich', 'click') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert result.stdout.strip() == "[]"
