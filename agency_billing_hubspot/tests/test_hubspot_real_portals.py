"""What real HubSpot portals hold (issue 20): discounts, unreadable dates, very short
calls, rate-limit storms, preferences in the portal's own words, calls without a
contract, people who left, entries no one works, clocks that run ahead."""

from datetime import date

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..lib.values import epoch_ms
from .common import WON, HubSpotCase


@tagged("post_install", "-at_install")
class TestHubSpotRealPortals(HubSpotCase):
    """Each defect a finance team would find on an invoice, against the fake HubSpot."""

    def setUp(self):
        super().setUp()
        fake = self.fake
        fake.add_owner(201, "alex@agency.test", "Alex", "AD")
        fake.add_owner(202, "casey@agency.test", "Casey", "CD")
        self.company = fake.add("companies", {"name": "Umbrella"})
        self.deal = fake.add("deals", {"dealname": "Umbrella rebrand", **WON})
        fake.associate("deals", self.deal, "companies", self.company)

    def _line(self, **props):
        line = self.fake.add("line_items", {"hs_sku": "AGY-DSGN", **props})
        self.fake.associate("deals", self.deal, "line_items", line)
        return line

    def _call(self, millis=600_000, stamp="2026-03-10T15:00:00Z", owner="202", deal=True,
              company=None, **props):
        call = self.fake.add("calls", {"hs_timestamp": stamp, "hs_call_title": "Call",
                                       "hs_call_duration": str(millis),
                                       "hubspot_owner_id": owner, **props})
        if deal:
            self.fake.associate("calls", call, "deals", self.deal)
        if company:
            self.fake.associate("calls", call, "companies", company)
        return call

    def _log(self, external_id):
        return self.env["agency.sync.log"].search([
            ("backend_id", "=", self.backend.id), ("external_id", "=", external_id),
            ("state", "=", "open")])

    # 1 ------------------------------------------------------------------

    def test_line_item_discounts_to_the_cent(self):
        """A percentage and a unit amount both reach the order; totals to the cent; a
        re-read writes nothing."""
        self._line(name="Design", quantity="10", price="120", hs_discount_percentage="10")
        self._line(name="Design extra", quantity="40", price="120", discount="12")
        self._line(name="Design odd", quantity="3", price="120", discount="10")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        order = self.bound("deal", self.deal)
        lines = {line.name: line for line in order.order_line}
        self.assertEqual((lines["Design"].discount, lines["Design"].price_subtotal),
                         (10.0, 1080.0))
        self.assertEqual((lines["Design extra"].discount, lines["Design extra"].price_subtotal),
                         (10.0, 4320.0))
        # 10.00 off 120.00 is 8.333 %: no two-decimal percentage gives 330.00.
        self.assertEqual((lines["Design odd"].price_unit, lines["Design odd"].discount,
                          lines["Design odd"].price_subtotal), (110.0, 0.0, 330.0))
        self.assertEqual(order.amount_untaxed, 5730.0)
        self.backend._agency_sync_reset_cursors()
        writes = self.table_writes()
        again = self.sync()
        self.assertEqual(self.table_writes() - writes, 0, again.log)

    # 2, 3 ----------------------------------------------------------------

    def test_unreadable_timestamp_quarantined_short_call_kept(self):
        """An hs_timestamp that does not parse is quarantined with the property and the
        value (never dated from the creation date); a 1-millisecond call is imported with
        its raw time and billed by the client's rounding."""
        bad = self._call(stamp="31/10/2026 14h30")
        short = self._call(millis=1, stamp="2026-03-11T15:00:00Z")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertIsNone(self.bound("call", bad))
        log = self._log(bad)
        self.assertIn("hs_timestamp", log.error)
        self.assertIn("'31/10/2026 14h30'", log.error)
        entry = self.bound("call", short)
        self.assertTrue(entry, run.log)
        self.assertGreater(entry.unit_amount, 0.0)
        self.assertAlmostEqual(entry.unit_amount, 1 / 3_600_000, places=12)
        self.assertEqual(entry.date, date(2026, 3, 11))

    # 4 ------------------------------------------------------------------

    def test_rate_limit_storm_is_waited_out(self):
        """Twenty 429s on the search (more than the attempts per request): waited out
        within the time budget, the run ends done and counts every request; a storm
        longer than the budget ends the run partial, its cursor kept, and the next run
        ends done with the same state."""
        self._line(name="Design", quantity="10", price="120")
        self.fake.storm(20, path=r"companies/search")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.requests, len(self.fake.requests))
        self.assertGreaterEqual(run.requests, 21)
        order = self.bound("deal", self.deal)
        self.assertEqual(order.amount_untaxed, 1200.0)
        # Longer than the budget (each "retry at once" counts a second): partial.
        self.backend.sync_rate_limit_budget = 5
        self.fake.update("deals", self.deal, agency_po_number="PO-9")
        cursor = self.backend._agency_sync_cursor("deal")
        sent = len(self.fake.requests)
        self.fake.storm(50, path=r"deals/search")
        partial = self.sync()
        self.assertEqual(partial.state, "partial", partial.error)
        self.assertFalse(partial.error)
        self.assertIn("Rate-limited", partial.log)
        self.assertEqual(partial.requests, len(self.fake.requests) - sent)
        self.assertEqual(self.backend._agency_sync_cursor("deal"), cursor)
        self.fake.clear_faults()
        done = self.sync()
        self.assertEqual(done.state, "done", done.error)
        self.assertEqual(order.client_order_ref, "PO-9")
        self.assertEqual(order.amount_untaxed, 1200.0)

    # 5 ------------------------------------------------------------------

    def test_value_mappings_of_each_kind(self):
        Mapping = self.env["agency.hubspot.mapping"]
        for kind, hs_value, value in (("billing_cycle", "On_Milestone", "milestone"),
                                      ("invoice_detail", "by_service", "service_type"),
                                      ("rounding", "Quarter hour", "up:15"),
                                      ("po_required", "Required", "true")):
            Mapping.create({"backend_id": self.backend.id, "kind": kind,
                            "property_name": hs_value, "value": value})
        with self.assertRaises(ValidationError):
            Mapping.create({"backend_id": self.backend.id, "kind": "invoice_detail",
                            "property_name": "fancy", "value": "very detailed"})
        mapped = self.fake.add("companies", {
            "name": "Mapped", "agency_billing_cycle": "on_milestone",
            "agency_invoice_detail": "By_Service", "agency_time_rounding": "quarter hour",
            "agency_po_required": "required"})
        bare = self.fake.add("companies", {"name": "Bare", "agency_time_rounding": "6",
                                           "agency_invoice_detail": "detailed"})
        run = self.sync()
        partner = self.bound("company", mapped)
        self.assertEqual((partner.billing_cycle, partner.invoice_detail_level,
                          partner.time_rounding, partner.time_rounding_unit,
                          partner.po_required), ("milestone", "service_type", "up", 15, True))
        self.assertFalse(self._log(mapped))
        other = self.bound("company", bare)
        # A bare number is "up to N minutes"; an unmapped detail level is quarantined
        # naming the property, the value and the accepted values; the rest imports.
        self.assertEqual((other.name, other.time_rounding, other.time_rounding_unit),
                         ("Bare", "up", 6))
        error = self._log(bare).error
        for text in ("agency_invoice_detail", "'detailed'", "summary, service_type",
                     "by_service"):
            self.assertIn(text, error)
        self.assertEqual(run.state, "done")

    # 6 ------------------------------------------------------------------

    def test_calls_without_contract_policy(self):
        """Default: the client's communication project (created once, non-billable);
        policy quarantine: as before."""
        globex = self.fake.add("companies", {"name": "Globex"})
        first = self._call(deal=False, company=globex)
        second = self._call(deal=False, company=globex, stamp="2026-03-12T15:00:00Z")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        one, two = self.bound("call", first), self.bound("call", second)
        project = one.project_id
        self.assertEqual(two.project_id, project)
        self.assertEqual(project.partner_id, self.bound("company", globex))
        self.assertIn("Globex", project.name)
        self.assertFalse(project.allow_billable)
        self.assertFalse(one.is_billable)
        self.assertEqual(one.unit_amount, round(10 / 60, 6))
        third = self._call(deal=False, company=globex, stamp="2026-03-13T15:00:00Z")
        self.sync()
        self.assertEqual(self.bound("call", third).project_id, project)
        self.assertEqual(self.env["project.project"].search_count(
            [("partner_id", "=", project.partner_id.id)]), 1)
        # The alternative: quarantined "No project", as before.
        self.backend.no_contract_policy = "quarantine"
        initech = self.fake.add("companies", {"name": "Initech"})
        lonely = self._call(deal=False, company=initech)
        self.sync()
        self.assertIsNone(self.bound("call", lonely))
        self.assertIn("No project", self._log(lonely).error)

    # 7 ------------------------------------------------------------------

    def test_departed_owner_history_imported_later_time_quarantined(self):
        leaver = self.env["hr.employee"].create({"name": "Lee Leaver",
                                                 "work_email": "lee@agency.test"})
        leaver.write({"active": False, "departure_date": date(2026, 3, 15)})
        self.fake.add_owner(204, "lee@agency.test", "Lee", "Leaver", archived=True)
        before = self._call(owner="204", stamp="2026-03-14T15:00:00Z")
        after = self._call(owner="204", stamp="2026-03-20T15:00:00Z")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        owner = self.backend.owner_ids.filtered(lambda o: o.owner_id == "204")
        # The Owners tab shows a former employee, not a mapped owner.
        self.assertEqual((owner.employee_id, owner.employee_state), (leaver, "former"))
        mapped = self.backend.owner_ids.filtered(lambda o: o.employee_id.active)
        self.assertTrue(mapped)
        self.assertEqual(set(mapped.mapped("employee_state")), {"mapped"})
        owner.employee_id = False
        self.assertEqual(owner.employee_state, "unmapped")
        entry = self.bound("call", before)
        self.assertEqual((entry.employee_id, entry.date), (leaver, date(2026, 3, 14)))
        self.assertIsNone(self.bound("call", after))
        self.assertIn("left on 2026-03-15", self._log(after).error)
        self.assertNotIn("active employee", self._log(after).error)

    # 10 -----------------------------------------------------------------

    def test_long_entry_held_and_sync_from(self):
        """15 hours in one call: imported, held from billing with the reason; a call
        dated before the account's "sync from" date is not imported."""
        long_call = self._call(millis=15 * 3_600_000)
        self.backend.sync_from = date(2026, 3, 1)
        old = self._call(stamp="2026-02-20T15:00:00Z")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        entry = self.bound("call", long_call)
        self.assertEqual(entry.unit_amount, 15.0)
        self.assertTrue(entry.billing_hold)
        self.assertIn("15 h in one entry", entry.billing_hold_reason)
        self.assertFalse(entry._agency_is_invoiceable())
        self.assertIsNone(self.bound("call", old))
        self.assertFalse(self._log(old))
        # A person checked it: released, it bills.
        entry.write({"billing_hold": False})
        self.assertTrue(entry._agency_is_invoiceable())

    # 11 -----------------------------------------------------------------

    def test_future_dated_record_does_not_hide_a_later_edit(self):
        now_ms = epoch_ms(fields.Datetime.now())
        self.fake.add("companies", {"name": "Skewed"}, modified=now_ms + 86_400_000)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        cursor = self.backend._agency_sync_cursor("company")
        self.assertLessEqual(cursor["ts"], epoch_ms(fields.Datetime.now()))
        # Edited after the sync (its clock right), before the skewed record's time.
        self.fake.update("companies", self.company, modified=cursor["ts"] + 1,
                         name="Umbrella Corp")
        self.sync()
        self.assertEqual(self.bound("company", self.company).name, "Umbrella Corp")
