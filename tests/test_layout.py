"""Layout of the addons: model files reach each other through ``self.env``.

No module under ``<addon>/models/`` imports a sibling model module (``from .x import y``,
``from . import x``) or another addon's ``models`` package (``odoo.addons.<addon>.models``):
shared constants live in ``<addon>/constants.py``, access helpers in
``agency_billing/access.py``, pure logic in ``<addon>/lib/``, and behaviour in model
methods reached through ``self.env`` (STYLE.md, point 13). Only ``models/__init__.py``
imports the model modules, to register them.
"""

import ast

import pytest
from conftest import ADDONS, REPO


def _model_files(addon):
    return sorted(path for path in (REPO / addon / "models").glob("*.py")
                  if path.name != "__init__.py")


def _forbidden_imports(path):
    """(line, import) of ``path`` that reach a sibling model module or another addon's
    ``models`` package."""
    siblings = {other.stem for other in path.parent.glob("*.py")} - {"__init__"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [alias.name for alias in node.names]
            if node.level == 1:
                # from .x import y / from .x.y import z / from . import x
                target = module.split(".")[0] if module else None
                if target in siblings or (not module and siblings & set(names)):
                    found.append((node.lineno, f"from .{module} import {', '.join(names)}"))
            elif node.level == 0 and _is_addon_models(module):
                found.append((node.lineno, f"from {module} import {', '.join(names)}"))
            elif node.level == 0 and module in _addon_packages() and "models" in names:
                found.append((node.lineno, f"from {module} import models"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_addon_models(alias.name):
                    found.append((node.lineno, f"import {alias.name}"))
    return found


def _addon_packages():
    return {f"odoo.addons.{addon}" for addon in ADDONS}


def _is_addon_models(module):
    parts = module.split(".")
    return len(parts) >= 4 and parts[:2] == ["odoo", "addons"] and parts[3] == "models"


@pytest.mark.parametrize("addon", ADDONS)
def test_models_do_not_import_model_modules(addon):
    files = _model_files(addon)
    assert files, f"{addon} has no model files"
    offenders = [f"{path.relative_to(REPO)}:{line}: {text}"
                 for path in files for line, text in _forbidden_imports(path)]
    assert not offenders, "model modules import each other:\n" + "\n".join(offenders)


def test_the_check_sees_a_sibling_import(tmp_path):
    """The check itself: each kind of forbidden import is found, lib and access pass."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "a.py").write_text("X = 1\n")
    (models / "b.py").write_text(
        "from . import a\n"
        "from .a import X\n"
        "from odoo.addons.agency_billing.models.account_move import Y\n"
        "import odoo.addons.agency_billing_pm.models.project\n"
        "from ..lib import rating\n"
        "from ..access import check_action\n"
        "from odoo.addons.agency_billing.constants import SOURCES\n"
    )
    assert [line for line, _text in _forbidden_imports(models / "b.py")] == [1, 2, 3, 4]


@pytest.mark.parametrize("addon", [a for a in ADDONS if (REPO / a / "constants.py").exists()])
def test_constants_are_plain_python(addon):
    """A constants module names values, imports no Odoo and no model (pure, like lib/)."""
    tree = ast.parse((REPO / addon / "constants.py").read_text())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]
    assert not [name for name in imported if name.startswith("odoo") or "models" in name]
