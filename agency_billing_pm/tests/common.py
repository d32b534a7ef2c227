"""Shared set-up of the Asana / Monday.com tests: the billing agency of agency_billing's
tests (a client on a monthly cycle, its contract and project), an Asana and a Monday.com
account, the client's project linked on each, people with work emails, and a milestone
that bills 4,000.00 when reached."""

from datetime import date

from freezegun import freeze_time

from odoo import Command

from odoo.addons.agency_billing.tests.billing_common import AgencyBillingRunCase

TOKEN = "asana-pat-2/1200000000000001:5e7c0ffee5e7c0ffee"
MONDAY_TOKEN = "eyJhbGciOiJIUzI1NiJ9.monday-personal-token.7f3a"
SECRET = "webhook-signing-secret-99b1"
ASANA_PROJECT = "1200000000000101"
MONDAY_BOARD = "4400000001"
TODAY = date(2026, 3, 20)
# Tables a re-sync of unchanged data must not touch.
SYNCED_TABLES = ("project_task", "project_milestone", "account_analytic_line",
                 "sale_order_line", "agency_sync_binding", "agency_sync_log",
                 "agency_sync_conflict", "agency_pm_project_link", "agency_pm_user",
                 "mail_message", "account_move")


class PmCase(AgencyBillingRunCase):
    """An Asana and a Monday.com account (pointed at nothing until a test starts a fake)
    with the client's project linked on each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emp_cd.work_email = "casey@agency.test"
        cls.emp_designer.work_email = "dana@agency.test"
        cls.emp_designer.tz = "America/Los_Angeles"
        cls.emp_ad.work_email = "alex@agency.test"
        limits = {"sync_request_budget": 100_000, "sync_retry_delay": 0.0,
                  "sync_timeout": 2.0, "sync_max_attempts": 4}
        Backend = cls.env["agency.pm.backend"]
        cls.asana = Backend.create({
            "name": "Studio Asana", "provider": "asana", "access_token": TOKEN,
            "base_url": "http://127.0.0.1:9/api/1.0", "workspace_ref": "1200000000000001",
            "service_field": "Service type", **limits,
        })
        cls.monday = Backend.create({
            "name": "Studio Monday", "provider": "monday", "access_token": MONDAY_TOKEN,
            "webhook_secret": SECRET, "base_url": "http://127.0.0.1:9/v2",
            "service_field": "Service", "milestone_field": "Status",
            "daily_call_budget": 0, **limits,
        })
        Link = cls.env["agency.pm.project.link"]
        cls.asana_link = Link.create({
            "backend_id": cls.asana.id, "external_id": ASANA_PROJECT,
            "name": "Acme spring campaign", "project_id": cls.project.id})
        cls.monday_link = Link.create({
            "backend_id": cls.monday.id, "external_id": MONDAY_BOARD,
            "name": "Acme board", "project_id": cls.project.id})
        # A milestone that bills 40 % of 10,000.00 when reached.
        cls.milestone_product = cls.env["product.product"].create({
            "name": "Campaign milestone", "type": "service", "service_type": "milestones",
            "invoice_policy": "delivery", "service_tracking": "no", "list_price": 10000.0,
        })
        cls.order.write({"order_line": [Command.create({
            "product_id": cls.milestone_product.id, "product_uom_qty": 1,
            "price_unit": 10000.0,
        })]})
        cls.milestone_line = cls.order.order_line.filtered(
            lambda sol: sol.product_id == cls.milestone_product)
        cls.concept = cls.env["project.milestone"].create({
            "name": "Concept approval", "project_id": cls.project.id,
            "sale_line_id": cls.milestone_line.id, "quantity_percentage": 0.4,
        })
        cls.billing_cron = cls.env.ref("agency_billing.ir_cron_agency_billing_run")
        cls.client.write({"billing_last_period_end": date(2026, 2, 28)})

    # -- helpers -----------------------------------------------------------

    def billing_tick(self, day=TODAY):
        """One tick of the billing cron (as Odoo runs it; the day frozen)."""
        with freeze_time(day):
            self.billing_cron.method_direct_trigger()

    def bound(self, backend, external_type, external_id):
        """The Odoo record a source record is bound to (None when unbound)."""
        binding = backend._agency_binder(external_type).to_internal(external_id)
        if not binding:
            return None
        return self.env[binding.res_model].with_context(active_test=False).browse(
            binding.res_id).exists() or None

    def open_logs(self, backend, external_type=None):
        domain = [("backend_model", "=", backend._name), ("backend_id", "=", backend.id),
                  ("state", "=", "open")]
        if external_type:
            domain.append(("external_type", "=", external_type))
        return self.env["agency.sync.log"].search(domain)

    def open_conflicts(self, backend):
        return self.env["agency.sync.conflict"].search([
            ("backend_model", "=", backend._name), ("backend_id", "=", backend.id),
            ("state", "=", "open")])

    def table_writes(self, tables=SYNCED_TABLES):
        """Rows inserted, updated or deleted in these tables by this transaction."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables WHERE relname IN %s", (tuple(tables),))
        return self.env.cr.fetchone()[0]
