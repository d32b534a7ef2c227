"""Translation templates: each Agency Billing addon ships ``i18n/<addon>.pot``, generated from
its code and data by Odoo's own exporter, and kept up to date (``./dev pot`` writes them)."""

import io
import logging
import os
import re

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

_logger = logging.getLogger(__name__)

# The header's dates change at every export: they are not part of what is compared.
VOLATILE_HEADER = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): [^"\\]*\\n"$', re.M)


def pot_path(addon):
    return os.path.join(get_module_path(addon), "i18n", f"{addon}.pot")


def export_pot(env, addon):
    """The translation template of ``addon`` as Odoo exports it, with blank dates."""
    buffer = io.BytesIO()
    trans_export(None, [addon], buffer, "po", env.cr)
    return VOLATILE_HEADER.sub(r'"\1: \\n"', buffer.getvalue().decode())


def agency_addons(env):
    """The installed Agency Billing addons."""
    return env["ir.module.module"].search(
        [("name", "=like", "agency_billing%"), ("state", "=", "installed")]).mapped("name")


@tagged("-at_install", "post_install")
class TestTranslationTemplates(TransactionCase):
    def test_templates_are_up_to_date(self):
        addons = agency_addons(self.env)
        self.assertIn("agency_billing", addons)
        for addon in addons:
            path = pot_path(addon)
            self.assertTrue(os.path.isfile(path), f"{path} is missing: run ./dev pot")
            with open(path, encoding="utf-8") as handle:
                shipped = handle.read()
            self.assertIn('msgid "', shipped)
            self.assertEqual(shipped, export_pot(self.env, addon),
                             f"{path} is out of date with the code: run ./dev pot")


@tagged("-standard", "-at_install", "post_install", "agency_pot")
class WriteTranslationTemplates(TransactionCase):
    """Not a test: ``./dev pot`` runs it (``--test-tags agency_pot``) to write the files."""

    def test_write_templates(self):
        for addon in agency_addons(self.env):
            path = pot_path(addon)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(export_pot(self.env, addon))
            _logger.info("translation template %s written", path)
