"""Shared set-up of the HubSpot tests: an agency (agency_billing's test agency), a HubSpot
account pointed at a fake HubSpot on 127.0.0.1, and a small portal in the fake."""

from odoo.addons.agency_billing.tests.common import AgencyBillingCase

from .fake_hubspot import FakeHubSpot

TOKEN = "pat-na1-test-token-7f3a9c"
SECRET = "hubspot-app-secret-51d2"
WON = {"pipeline": "default", "dealstage": "closedwon"}
# Tables a re-sync of unchanged data must not touch.
SYNCED_TABLES = ("res_partner", "sale_order", "sale_order_line", "project_project",
                 "project_milestone", "account_analytic_line", "agency_rate_rule",
                 "agency_sync_binding", "mail_message", "agency_sync_conflict",
                 "agency_sync_log")


class HubSpotCase(AgencyBillingCase):
    """A HubSpot account whose API is a fake HubSpot started for each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emp_cd.work_email = "casey@agency.test"
        cls.emp_ad.work_email = "alex@agency.test"
        cls.emp_cd.tz = "America/Los_Angeles"
        cls.backend = cls.env["agency.hubspot.backend"].create({
            "name": "Agency HubSpot", "access_token": TOKEN, "client_secret": SECRET,
            "base_url": "http://127.0.0.1:9", "portal_id": "4242",
            "sync_request_budget": 100_000, "search_rate": 1000, "sync_retry_delay": 0.0,
            "sync_timeout": 2.0, "lookback_seconds": 0, "sync_max_attempts": 4,
            "mapping_ids": [
                (0, 0, {"kind": "rate", "property_name": "agency_rate_creative_director",
                        "job_id": cls.job_cd.id}),
                (0, 0, {"kind": "rate", "property_name": "agency_rate_design",
                        "service_type_id": cls.st_design.id}),
                (0, 0, {"kind": "service", "property_name": "strategy",
                        "service_type_id": cls.env.ref(
                            "agency_billing.service_type_strategy").id}),
            ],
        })

    def setUp(self):
        super().setUp()
        self.fake = FakeHubSpot(token=TOKEN).start()
        self.addCleanup(self.fake.stop)
        self.backend.base_url = self.fake.url

    # -- the portal --------------------------------------------------------

    def portal(self):
        """Owners, two companies, contacts, a won deal with line items, calls, a meeting."""
        fake = self.fake
        fake.add_owner(201, "alex@agency.test", "Alex", "AD")
        fake.add_owner(202, "casey@agency.test", "Casey", "CD")
        fake.add_owner(203, "nobody@agency.test", "No", "Body")
        ids = {}
        ids["acme"] = fake.add("companies", {
            "name": "Acme Foods", "domain": "acme.test", "city": "Springfield",
            "country": "US", "agency_billing_cycle": "monthly", "agency_po_required": "true",
            "agency_invoice_detail": "role", "agency_time_rounding": "up:15",
            "agency_rate_creative_director": "165"})
        ids["globex"] = fake.add("companies", {
            "name": "Globex", "domain": "globex.test", "agency_billing_cycle": "yearly"})
        ids["bea"] = fake.add("contacts", {
            "firstname": "Bea", "lastname": "Billing", "email": "bea@acme.test",
            "associatedcompanyid": ids["acme"], "agency_billing_contact": "true"})
        ids["carl"] = fake.add("contacts", {
            "firstname": "Carl", "lastname": "Contact", "email": "carl@acme.test",
            "associatedcompanyid": ids["acme"]})
        ids["lead"] = fake.add("contacts", {"firstname": "Lee", "email": "lee@lead.test"})
        ids["deal"] = fake.add("deals", {
            "dealname": "Acme spring campaign", "amount": "17800", **WON,
            "closedate": "2026-03-01T00:00:00Z", "hubspot_owner_id": "201",
            "agency_po_number": "PO-77"})
        fake.associate("deals", ids["deal"], "companies", ids["acme"])
        for props in (
            {"name": "Design", "hs_sku": "AGY-DSGN", "quantity": "40", "price": "120"},
            {"name": "Launch", "hs_sku": "AGY-FIXED", "quantity": "1", "price": "5000"},
            {"name": "Monthly retainer", "price": "8000", "hs_recurring_billing_period": "P12M",
             "agency_retainer_hours": "40"},
        ):
            line = fake.add("line_items", props)
            fake.associate("deals", ids["deal"], "line_items", line)
        ids["open_deal"] = fake.add("deals", {"dealname": "Maybe", "pipeline": "default",
                                              "dealstage": "appointmentscheduled"})
        fake.associate("deals", ids["open_deal"], "companies", ids["globex"])
        ids["call"] = fake.add("calls", {
            "hs_timestamp": "2026-03-10T02:30:00Z", "hs_call_title": "Budget call",
            "hs_call_duration": "1800000", "hubspot_owner_id": "202"})
        fake.associate("calls", ids["call"], "deals", ids["deal"])
        ids["call_unmapped"] = fake.add("calls", {
            "hs_timestamp": "2026-03-10T15:00:00Z", "hs_call_title": "Intro",
            "hs_call_duration": "600000", "hubspot_owner_id": "203"})
        fake.associate("calls", ids["call_unmapped"], "deals", ids["deal"])
        ids["call_zero"] = fake.add("calls", {
            "hs_timestamp": "2026-03-11T15:00:00Z", "hs_call_title": "No answer",
            "hs_call_duration": "0", "hubspot_owner_id": "202"})
        ids["call_orphan"] = fake.add("calls", {
            "hs_timestamp": "2026-03-11T16:00:00Z", "hs_call_title": "Cold call",
            "hs_call_duration": "900000", "hubspot_owner_id": "202"})
        fake.associate("calls", ids["call_orphan"], "companies", ids["globex"])
        ids["meeting"] = fake.add("meetings", {
            "hs_timestamp": "2026-03-12T09:00:00Z", "hs_meeting_title": "Kick-off",
            "hs_meeting_start_time": "2026-03-12T09:00:00Z",
            "hs_meeting_end_time": "2026-03-12T10:00:00Z", "hubspot_owner_id": "201"})
        fake.associate("meetings", ids["meeting"], "companies", ids["acme"])
        return ids

    # -- helpers -----------------------------------------------------------

    def sync(self, **kw):
        """A manual sync (nothing committed, as from a button)."""
        return self.backend._agency_sync_run("manual", **kw)

    def bound(self, external_type, external_id):
        """The Odoo record a HubSpot record is bound to."""
        binding = self.backend._agency_binder(external_type).to_internal(external_id)
        if not binding:
            return None
        return self.env[binding.res_model].with_context(active_test=False).browse(
            binding.res_id)

    def table_writes(self, tables=SYNCED_TABLES):
        """Rows inserted, updated or deleted in these tables by this transaction."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables WHERE relname IN %s", (tuple(tables),))
        return self.env.cr.fetchone()[0]
