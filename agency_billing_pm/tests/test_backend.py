from odoo.exceptions import AccessError
from odoo.tests import Form, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPmBackend(TransactionCase):
    """The Asana / Monday.com account record and the protection of its secrets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Backend = cls.env["agency.pm.backend"]
        cls.finance = new_test_user(
            cls.env, login="pm_finance", groups="agency_billing.group_agency_billing_manager"
        )

    def test_default_url_per_provider(self):
        """Each provider starts at its public API root; a test server URL can replace it."""
        asana = self.Backend.create({"name": "Studio", "provider": "asana"})
        self.assertEqual(asana.base_url, "https://app.asana.com/api/1.0")
        with Form(self.Backend) as form:
            form.name = "Boards"
            form.provider = "monday"
            self.assertEqual(form.base_url, "https://api.monday.com/v2")
            form.base_url = "http://127.0.0.1:8765/v2"
        self.assertEqual(form.record.base_url, "http://127.0.0.1:8765/v2")

    def test_secrets_admin_only(self):
        """Billing managers see the account but not its token or webhook secret."""
        backend = self.Backend.create(
            {"name": "Studio", "access_token": "asana-pat", "webhook_secret": "hook"}
        )
        as_finance = backend.with_user(self.finance)
        self.assertTrue(as_finance.has_credentials)
        with self.assertRaises(AccessError):
            as_finance.read(["access_token"])
        with self.assertRaises(AccessError):
            as_finance.read(["webhook_secret"])
