from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AgencyBillingCase


@tagged("post_install", "-at_install")
class TestInstall(AgencyBillingCase):
    """The addon is installed with its data, access rights and menus."""

    def test_service_types_shipped(self):
        """The eight agency service types exist, billable ones with a timesheet product."""
        types = self.env["agency.service.type"].search([("code", "!=", False)])
        self.assertEqual(
            set(types.mapped("code")),
            {
                "strategy", "creative", "copywriting", "design", "media_buying",
                "account_management", "client_communication", "internal",
            },
        )
        internal = self.env.ref("agency_billing.service_type_internal")
        self.assertFalse(internal.billable)
        for stype in types - internal:
            self.assertTrue(stype.billable, stype.name)
            self.assertEqual(stype.product_id.service_type, "timesheet", stype.name)
            self.assertEqual(stype.product_id.invoice_policy, "delivery", stype.name)
            self.assertEqual(stype.product_id.uom_id, self.uom_hour, stype.name)

    def test_access_rights(self):
        """Account Directors read service types; only billing administrators change them."""
        design = self.env.ref("agency_billing.service_type_design")
        self.assertEqual(design.with_user(self.user_ad).name, "Design")
        with self.assertRaises(AccessError):
            design.with_user(self.user_ad).write({"name": "Graphic design"})
        design.with_user(self.user_finance).write({"name": "Graphic design"})
        self.assertEqual(design.name, "Graphic design")

    def test_menu_visible_to_users(self):
        """The Agency Billing app is in the menus of its users and hidden from others."""
        root = self.env.ref("agency_billing.menu_root")
        visible = self.env["ir.ui.menu"].with_user(self.user_ad)._visible_menu_ids()
        self.assertIn(root.id, visible)
        outsider = self.env["res.users"].create({"name": "Outsider", "login": "ab_outsider"})
        hidden = self.env["ir.ui.menu"].with_user(outsider)._visible_menu_ids()
        self.assertNotIn(root.id, hidden)

    def test_settings(self):
        """The company threshold is edited through res.config.settings."""
        settings = self.env["res.config.settings"].create({"agency_classification_threshold": 0.75})
        settings.execute()
        self.assertEqual(self.company.agency_classification_threshold, 0.75)
