import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

# The addons' pure code (``<addon>/lib``: rating, rounding, mappers, analytics...) is tested
# here in plain pytest, without Odoo: each addon is registered as a bare package, so that
# ``import agency_billing.lib.rating`` runs ``lib/__init__.py`` and never the addon's own
# ``__init__`` (which imports Odoo's models).
ADDONS = (
    "agency_billing", "agency_billing_sync", "agency_billing_analytics",
    "agency_billing_hubspot", "agency_billing_pm",
)
for _addon in ADDONS:
    if _addon not in sys.modules:
        _package = types.ModuleType(_addon)
        _package.__path__ = [str(REPO / _addon)]
        sys.modules[_addon] = _package
