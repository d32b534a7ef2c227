"""The addons' ``lib`` packages: pure Python (no Odoo), documented by doctests that run."""

import doctest
import importlib
from pathlib import Path

import pytest
from conftest import ADDONS, REPO

MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts)
    for addon in ADDONS
    for path in (REPO / addon / "lib").rglob("*.py")  # per-vendor subpackages included
    if path.stem != "__init__"
)


@pytest.mark.parametrize("name", MODULES)
def test_lib_is_pure(name):
    """No lib module imports Odoo: models gather records and call lib with plain data."""
    source = Path(importlib.import_module(name).__file__).read_text()
    assert "import odoo" not in source and "from odoo" not in source, name


@pytest.mark.parametrize("name", MODULES)
def test_lib_doctests(name):
    """Every example in a lib module's docstrings holds."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctests failed in {name}"
