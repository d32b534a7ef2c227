"""The 18.0.1.1.0 migration: the write-back state of HubSpot companies, kept by the
previous version as fake bindings (type ``company_billing``), moves onto the companies'
own bindings."""

from datetime import datetime

from odoo.modules.migration import load_script
from odoo.tests import TransactionCase, tagged

SCRIPT = "agency_billing_hubspot/migrations/18.0.1.1.0/post-migrate.py"


@tagged("post_install", "-at_install")
class TestWritebackMigration(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend, cls.other = cls.env["agency.hubspot.backend"].create([
            {"name": "Migrated HubSpot"}, {"name": "Other HubSpot"}])
        cls.acme, cls.globex = cls.env["res.partner"].create([
            {"name": "Acme (migration)", "is_company": True},
            {"name": "Globex (migration)", "is_company": True}])

    def migrate(self):
        self.env.flush_all()
        load_script(SCRIPT, "agency_billing_hubspot_migration_18_0_1_1_0").migrate(
            self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()

    def test_fake_bindings_move_onto_the_company_bindings(self):
        companies = self.backend._agency_binder("company")
        acme = companies.bind("101", self.acme, {"payload_hash": "imported"})
        globex = companies.bind("102", self.globex)
        other_acme = self.other._agency_binder("company").bind("101", self.acme)
        sent_at = datetime(2026, 3, 1, 10, 0)
        # What the previous version stored after writing figures back (one company's
        # binding is gone since: its fake binding is dropped).
        self.backend._agency_binder("company_billing").bind(
            "101", self.acme, {"payload_hash": "figures-acme", "sync_date": sent_at})
        self.backend._agency_binder("company_billing").bind(
            "999", self.globex, {"payload_hash": "figures-gone", "sync_date": sent_at})
        self.other._agency_binder("company_billing").bind(
            "101", self.acme, {"payload_hash": "figures-other", "sync_date": sent_at})
        self.migrate()
        self.assertEqual((acme.hubspot_writeback_hash, acme.hubspot_writeback_date),
                         ("figures-acme", sent_at))
        self.assertEqual(acme.payload_hash, "imported", "the import's hash is untouched")
        self.assertFalse(globex.hubspot_writeback_hash)
        self.assertEqual(other_acme.hubspot_writeback_hash, "figures-other")
        for backend in self.backend | self.other:
            self.assertFalse(backend._agency_binder("company_billing").bindings(
                include_archived=True))
            self.assertEqual(backend._agency_binder(None).count(include_archived=True),
                             2 if backend == self.backend else 1)
        self.migrate()  # run again: nothing left to move, nothing changes
        self.assertEqual(acme.hubspot_writeback_hash, "figures-acme")
