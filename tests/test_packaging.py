"""The project installs quietly: `make review` on a fresh clone runs `pip install -e .`, and
setuptools picks a plain .pth file (no warning box) only for a src-like layout where every
package sits where its dotted name says (setuptools.command.editable_wheel._select_strategy)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_editable_install_is_a_plain_pth_entry() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"] == {"": "."}
    for package in config["packages"]:
        assert (ROOT / package.replace(".", "/") / "__init__.py").exists() or (ROOT / package.replace(".", "/")).is_dir(), package
    editable = pytest.importorskip("setuptools.command.editable_wheel")
    assert editable._simple_layout(config["packages"], config["package-dir"], ROOT)
