from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestHubspotBackend(TransactionCase):
    """The HubSpot account record and the protection of its secrets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["agency.hubspot.backend"].create({
            "name": "Agency HubSpot",
            "access_token": "pat-secret-token",
            "client_secret": "app-secret",
        })
        cls.finance = new_test_user(
            cls.env, login="hs_finance", groups="agency_billing.group_agency_billing_manager"
        )

    def test_defaults(self):
        """A new account points at HubSpot's public API for the current company."""
        self.assertEqual(self.backend.base_url, "https://api.hubapi.com")
        self.assertEqual(self.backend.company_id, self.env.company)
        self.assertTrue(self.backend.has_credentials)

    def test_secrets_admin_only(self):
        """Billing managers see the account but never its token or webhook secret."""
        as_finance = self.backend.with_user(self.finance)
        self.assertEqual(as_finance.name, "Agency HubSpot")
        self.assertTrue(as_finance.has_credentials)
        with self.assertRaises(AccessError):
            as_finance.read(["access_token"])
        with self.assertRaises(AccessError):
            as_finance.read(["client_secret"])
        with self.assertRaises(AccessError):
            as_finance.write({"name": "Renamed"})
        self.assertNotIn("access_token", as_finance.fields_get())

    def test_secrets_not_copied(self):
        """Duplicating an account never duplicates its credentials."""
        copy = self.backend.copy()
        self.assertFalse(copy.access_token)
        self.assertFalse(copy.client_secret)
