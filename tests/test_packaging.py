"""The project installs quietly: `make review` on a fresh clone runs `pip install -e .`, and
setuptools picks a plain .pth file (no warning box) only for a src-like layout where every
package sits where its dotted name says (setuptools.command.editable_wheel._select_strategy)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def found_packages() -> list[str]:
    """The packages setuptools finds from pyproject.toml's [tool.setuptools.packages.find]."""
    import setuptools

    find = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]
    assert find.get("namespaces") is True  # srs/_migrations (the alembic/ symlink) has no __init__.py
    return setuptools.find_namespace_packages(where=str(ROOT / find["where"][0]), include=find["include"], exclude=find["exclude"])


def test_packages_are_found_not_listed() -> None:
    """Every folder of Python modules under srs/ is a package, the migrations included (via the symlink)."""
    packages = found_packages()
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "srs").rglob("*.py") if "__pycache__" not in p.parts}
    assert on_disk <= set(packages), sorted(on_disk - set(packages))
    assert {"srs", "srs._migrations", "srs._migrations.versions"} <= set(packages)
    assert not [p for p in packages if "__pycache__" in p]


def test_editable_install_is_a_plain_pth_entry() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"] == {"": "."}
    packages = found_packages()
    for package in packages:
        assert (ROOT / package.replace(".", "/")).is_dir(), package
    editable = pytest.importorskip("setuptools.command.editable_wheel")
    assert editable._simple_layout(packages, config["package-dir"], ROOT)
