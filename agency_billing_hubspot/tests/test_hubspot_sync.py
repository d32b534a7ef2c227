"""HubSpot → Odoo through the real SDK and a fake HubSpot over real HTTP."""

from datetime import date

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TOKEN, WON, HubSpotCase


@tagged("post_install", "-at_install")
class TestHubSpotSync(HubSpotCase):
    """A first sync, a second one that writes nothing, and what each record became."""

    def test_first_sync_then_nothing_to_write(self):
        ids = self.portal()
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        # companies 2, rate 1, contacts 2, deal 1, calls 2, meeting 1: the cold call to
        # Globex (no contract, no project) is client communication (no_contract_policy)
        self.assertEqual(run.created, 9, run.log)
        # Globex's cycle is invalid and the unmapped owner's call is quarantined; the
        # lead (no company) and the zero call are skipped.
        self.assertEqual(run.quarantined, 2, run.log)
        orphan = self.bound("call", ids["call_orphan"])
        self.assertEqual((orphan.project_id.partner_id.name, orphan.is_billable),
                         ("Globex", False))
        acme = self.bound("company", ids["acme"])
        self.assertEqual((acme.name, acme.is_company, acme.website, acme.country_id.code),
                         ("Acme Foods", True, "https://acme.test", "US"))
        self.assertEqual((acme.billing_cycle, acme.po_required, acme.invoice_detail_level),
                         ("monthly", True, "role"))
        self.assertEqual((acme.time_rounding, acme.time_rounding_unit), ("up", 15))
        self.assertEqual(acme.hubspot_url,
                         f"https://app.hubspot.com/contacts/4242/record/0-2/{ids['acme']}")
        bea = self.bound("contact", ids["bea"])
        self.assertEqual((bea.parent_id, bea.email), (acme, "bea@acme.test"))
        self.assertEqual(acme.billing_contact_ids, bea)
        self.assertIsNone(self.bound("contact", ids["lead"]))
        globex = self.bound("company", ids["globex"])
        self.assertEqual(globex.name, "Globex")
        log = self.env["agency.sync.log"].search([("external_id", "=", ids["globex"])])
        self.assertIn("agency_billing_cycle", log.error)
        self.assertIn("'yearly'", log.error)
        # Requests: nothing but what the portal needed; the token never stored.
        self.assertGreater(run.requests, 10)
        for text in (run.log, run.error or "", *log.mapped("payload"), *log.mapped("error")):
            self.assertNotIn(TOKEN, text)
        # A second sync (everything re-read: no cursor) writes nothing.
        self.backend._agency_sync_reset_cursors()
        writes = self.table_writes()
        again = self.sync()
        self.assertEqual(self.table_writes() - writes, 0)
        self.assertEqual((again.created, again.updated, again.unchanged), (0, 0, 8), again.log)
        self.assertEqual(again.state, "done")

    def test_won_deal_becomes_the_contract(self):
        """Hourly, fixed-fee and recurring line items; PO number; project, milestone,
        retainer; the deal that is not won is not imported."""
        ids = self.portal()
        self.sync()
        order = self.bound("deal", ids["deal"])
        acme = self.bound("company", ids["acme"])
        self.assertEqual((order.partner_id, order.state, order.client_order_ref, order.origin),
                         (acme, "sale", "PO-77", "Acme spring campaign"))
        lines = {line.product_id.default_code: line for line in order.order_line}
        self.assertEqual((lines["AGY-DSGN"].product_uom_qty, lines["AGY-DSGN"].price_unit),
                         (40.0, 120.0))
        self.assertEqual(lines["AGY-FIXED"].price_subtotal, 5000.0)
        self.assertEqual(order.retainer_line_id.price_unit, 8000.0)
        self.assertEqual(order.retainer_hours, 40.0)
        self.assertEqual(order.amount_untaxed, 17800.0)
        project = order.project_id
        self.assertEqual((project.name, project.partner_id, project.allow_billable),
                         ("Acme spring campaign", acme, True))
        milestone = self.env["project.milestone"].search([("project_id", "=", project.id)])
        self.assertEqual((milestone.name, milestone.sale_line_id), ("Launch", lines["AGY-FIXED"]))
        self.assertIsNone(self.bound("deal", ids["open_deal"]))
        self.assertIn("4242/record/0-3/", order.hubspot_url)

    def test_line_item_without_product_is_quarantined(self):
        """A deal whose line item has no product waits in quarantine with a readable
        reason; fixing the line item (a SKU) and retrying imports it."""
        fake = self.fake
        company = fake.add("companies", {"name": "Initech"})
        deal = fake.add("deals", {"dealname": "Website", **WON})
        fake.associate("deals", deal, "companies", company)
        item = fake.add("line_items", {"name": "Mystery work", "quantity": "3", "price": "99"})
        fake.associate("deals", deal, "line_items", item)
        orphan = fake.add("deals", {"dealname": "No company", **WON})
        run = self.sync()
        logs = {log.external_id: log for log in run.quarantine_ids}
        self.assertIn("'Mystery work' has no product", logs[deal].error)
        self.assertIn("no associated company", logs[orphan].error)
        fake.update("line_items", item, hs_sku="AGY-DSGN")
        retry = logs[deal].action_agency_retry()
        retry_run = self.env["agency.sync.run"].browse(retry["res_id"])
        self.assertEqual((retry_run.kind, retry_run.state), ("retry", "done"), retry_run.error)
        order = self.bound("deal", deal)
        self.assertEqual(retry_run.created, 1)
        self.assertEqual(order.order_line.product_id.default_code, "AGY-DSGN")
        self.assertEqual(logs[deal].state, "retried")

    def test_edits_on_each_side_and_on_both(self):
        ids = self.portal()
        self.sync()
        acme = self.bound("company", ids["acme"])
        # HubSpot edits the city; Odoo edits the phone: both kept.
        self.fake.update("companies", ids["acme"], city="Shelbyville")
        acme.phone = "+1 555 0100"
        run = self.sync()
        self.assertEqual((acme.city, acme.phone), ("Shelbyville", "+1 555 0100"))
        self.assertEqual((run.updated, run.conflicts), (1, 0))
        # Odoo renames the company; HubSpot renames it too: a conflict, Odoo's name stays.
        acme.name = "ACME Foods (Odoo)"
        self.fake.update("companies", ids["acme"], name="Acme Foods Inc")
        run = self.sync()
        self.assertEqual(acme.name, "ACME Foods (Odoo)")
        conflict = run.conflict_ids
        self.assertEqual((conflict.field_name, conflict.odoo_value, conflict.source_value),
                         ("name", "ACME Foods (Odoo)", "Acme Foods Inc"))
        # The link holds: its contacts and order still point at the same partner.
        self.assertEqual(self.bound("deal", ids["deal"]).partner_id, acme)
        conflict.action_agency_take_source()
        self.assertEqual(acme.name, "Acme Foods Inc")

    def test_archived_at_source(self):
        """An archived company is archived in Odoo (not deleted: an order depends on it);
        archiving more than the guard allows waits for confirmation."""
        ids = self.portal()
        self.sync()
        self.fake.archive("contacts", ids["carl"])
        run = self.sync()
        carl = self.bound("contact", ids["carl"])
        self.assertEqual((run.archived, carl.active), (1, False))
        # Eight of ten companies gone: more than 20 % and more than 5, so it waits.
        more = [self.fake.add("companies", {"name": f"Client {i}"}) for i in range(8)]
        self.sync()
        for company in more:
            self.fake.archive("companies", company)
        run = self.sync()
        self.assertEqual((run.state, run.pending_archive_count), ("confirm", 8))
        self.assertTrue(self.bound("company", more[0]).active)
        run.action_agency_confirm_archive()
        self.assertFalse(self.bound("company", more[0]).active)
        self.assertEqual(run.state, "done")

    def test_search_cap_with_identical_timestamps(self):
        """More records share one modification time than one search may return: the
        sync switches to a query on that time sorted by id and misses none."""
        self.fake.search_cap = 30
        self.backend.write({"search_cap": 30, "sync_batch_size": 10})
        stamp = self.fake.tick()
        ids = [self.fake.add("companies", {"name": f"Bulk {i:03d}"}, modified=stamp)
               for i in range(75)]
        later = self.fake.add("companies", {"name": "After the bulk edit"})
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(
            self.backend._agency_binder("company").count(include_archived=True), 76)
        self.assertTrue(self.bound("company", ids[-1]))
        self.assertTrue(self.bound("company", later))
        past_cap = [r for r in self.fake.requests if r.path.endswith("/search")
                    and int((r.json() or {}).get("after") or 0) >= 30]
        self.assertFalse(past_cap)

    def test_rate_limit_storm_ends_in_a_complete_sync(self):
        """429s (HubSpot's body, Retry-After: 0) and 5xx between pages: retried, the sync
        completes; a storm longer than the attempts is waited out (the time budget of
        rate limits, see test_hubspot_real_portals), the sync completes."""
        ids = self.portal()
        self.fake.storm(3, path=r"companies/search")
        self.fake.fail(path=r"contacts/search", status=502, times=2)
        self.fake.fail(path=r"owners", raw=b'{"results": [{"id": "20', times=1)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.created, 9)
        self.fake.storm(10, path=r"deals/search")
        self.fake.update("deals", ids["deal"], agency_po_number="PO-78")
        done = self.sync()
        self.assertEqual(done.state, "done")
        self.assertEqual(self.bound("deal", ids["deal"]).client_order_ref, "PO-78")

    def test_timeout_and_truncated_pages_never_archive(self):
        """A timeout or a truncated answer fails the run; nothing is archived or lost."""
        ids = self.portal()
        self.sync()
        self.backend.write({"sync_timeout": 0.3, "sync_max_attempts": 2})
        self.fake.fail(path=r"companies/search", delay=0.6, times=2)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("no answer within", run.error)
        self.fake.clear_faults()
        self.fake.fail(path=r"/crm/v3/objects/contacts$", raw=b'{"results": [', times=2)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("unreadable JSON", run.error)
        self.assertTrue(self.bound("contact", ids["carl"]).active)
        self.assertEqual(run.archived, 0)

    def test_rate_agreement_changes_make_dated_rules(self):
        """A client's rate kept in HubSpot becomes a rate rule; a changed value ends it the
        day before and starts a new one; an emptied value ends it; a bad one is
        quarantined and changes nothing."""
        ids = self.portal()
        self.sync()
        acme = self.bound("company", ids["acme"])
        first = self.bound("rate", f"{ids['acme']}:agency_rate_creative_director")
        self.assertEqual((first.partner_id, first.job_id, first.rate, first.date_from),
                         (acme, self.job_cd, 165.0, False))
        today = (self.backend.company_id or self.env.company)._agency_billing_today()
        self.fake.update("companies", ids["acme"], agency_rate_creative_director="175")
        self.sync()
        second = self.bound("rate", f"{ids['acme']}:agency_rate_creative_director")
        self.assertNotEqual(first, second)
        self.assertEqual((first.rate, first.date_to), (165.0, date.fromordinal(
            today.toordinal() - 1)))
        self.assertEqual((second.rate, second.date_from, second.date_to), (175.0, today, False))
        self.fake.update("companies", ids["acme"], agency_rate_creative_director="lots")
        run = self.sync()
        self.assertIn("agency_rate_creative_director", run.quarantine_ids.error)
        self.assertEqual((second.rate, second.active), (175.0, True))
        self.fake.update("companies", ids["acme"], agency_rate_creative_director="",
                         agency_rate_design="140")
        self.sync()
        self.assertFalse(second.active)  # it started today: ended before it ever applied
        self.assertEqual(first.date_to, date.fromordinal(today.toordinal() - 1))
        design = self.bound("rate", f"{ids['acme']}:agency_rate_design")
        self.assertEqual((design.service_type_id, design.rate), (self.st_design, 140.0))

    def test_deal_leaving_its_won_stage_is_a_conflict(self):
        ids = self.portal()
        self.sync()
        order = self.bound("deal", ids["deal"])
        self.fake.update("deals", ids["deal"], dealstage="closedlost")
        run = self.sync()
        self.assertEqual(order.state, "sale")
        conflict = run.conflict_ids
        self.assertEqual((conflict.field_name, conflict.res_id), ("state", order.id))
        self.assertIn("closedlost", conflict.note)
        conflict.action_agency_keep_odoo()
        self.fake.update("deals", ids["deal"], dealname="Renamed while lost")
        self.assertFalse(self.sync().conflict_ids)
        self.assertEqual(order.state, "sale")

    def test_test_connection(self):
        self.assertTrue(self.backend.action_agency_test_connection())
        self.assertEqual(self.backend.connection_state, "ok")
        self.fake.token = "another-token"
        self.assertFalse(self.backend.action_agency_test_connection())
        self.assertEqual(self.backend.connection_state, "failed")
        self.assertIn("401", self.backend.connection_message)
        self.assertNotIn(TOKEN, self.backend.connection_message)

    def test_write_back_billing_figures(self):
        """Odoo's billing figures on the HubSpot company, in one batch call; unchanged
        figures are not sent again."""
        ids = self.portal()
        self.backend.writeback = True
        self.sync()
        acme = self.bound("company", ids["acme"])
        for amount in (1000.0, 250.5):
            invoice = self.env["account.move"].create({
                "move_type": "out_invoice", "partner_id": acme.id,
                "invoice_date": date(date.today().year, 1, 2),
                "invoice_line_ids": [Command.create({
                    "product_id": self.st_creative.product_id.id, "quantity": 1,
                    "price_unit": amount, "tax_ids": [Command.clear()]})],
            })
            invoice.action_post()
        self.sync()
        props = self.fake.objects["companies"][ids["acme"]]["properties"]
        self.assertEqual(props["agency_amount_invoiced_ytd"], "1250.50")
        self.assertEqual(props["agency_open_balance"], "1250.50")
        updates = self.fake.count("POST", r"companies/batch/update")
        self.sync()
        self.assertEqual(self.fake.count("POST", r"companies/batch/update"), updates)

    def test_sync_now_needs_billing_administrators(self):
        with self.assertRaises(UserError):
            self.backend.with_user(self.user_ad).action_agency_sync()

    def test_sync_now_over_rpc_answers_the_run_id(self):
        """XML-RPC and JSON-RPC go through call_kw, which cannot marshal a record: Sync Now
        answers the run's id there, the record to Python callers."""
        self.portal()
        Run = self.env["agency.sync.run"]
        before = Run.search([])
        answer = call_kw(self.env["agency.hubspot.backend"], "action_agency_sync",
                         [[self.backend.id]], {})
        run = Run.search([]) - before
        self.assertEqual(len(run), 1)
        self.assertEqual(answer, run.id)
        self.assertIsInstance(answer, int)
        self.assertEqual((run.state, run.trigger), ("done", "manual"), run.error)
