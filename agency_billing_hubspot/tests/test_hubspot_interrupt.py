"""A sync stopped at each batch boundary (or failing inside a batch), then run again, ends
in the same state as one that was never interrupted: nothing lost, nothing twice."""

from odoo.tests import tagged

from .common import WON, HubSpotCase


@tagged("post_install", "-at_install")
class TestHubSpotInterrupted(HubSpotCase):
    """Every batch boundary of a small portal read five records at a time."""

    def setUp(self):
        super().setUp()
        self.backend.sync_batch_size = 5
        fake = self.fake
        fake.add_owner(202, "casey@agency.test", "Casey", "CD")
        companies = [fake.add("companies", {"name": f"Client {i:02d}",
                                            "agency_rate_creative_director": str(150 + i)})
                     for i in range(8)]
        for i in range(10):
            fake.add("contacts", {"firstname": f"Contact {i:02d}", "email": f"c{i}@x.test",
                                  "associatedcompanyid": companies[i % 8],
                                  "agency_billing_contact": "true" if i % 3 == 0 else ""})
        deals = []
        for i in range(4):
            deal = fake.add("deals", {"dealname": f"Contract {i}", **WON})
            fake.associate("deals", deal, "companies", companies[i])
            line = fake.add("line_items", {"name": "Design", "hs_sku": "AGY-DSGN",
                                           "quantity": "10", "price": "120"})
            fake.associate("deals", deal, "line_items", line)
            deals.append(deal)
        for i in range(9):
            call = fake.add("calls", {"hs_timestamp": f"2026-03-{10 + i}T15:00:00Z",
                                      "hs_call_title": f"Call {i}", "hubspot_owner_id": "202",
                                      "hs_call_duration": str((i + 1) * 6 * 60_000)})
            fake.associate("calls", call, "deals", deals[i % 4])

    def state(self):
        """What the sync made, in plain data (ids left out: they differ between runs)."""
        out = {}
        for binding in self.backend._agency_binder(None).bindings(include_archived=True):
            record = self.env[binding.res_model].with_context(active_test=False).browse(
                binding.res_id)
            if binding.res_model == "res.partner":
                value = (record.name, record.parent_id.name, record.active,
                         tuple(sorted(record.billing_contact_ids.mapped("name"))))
            elif binding.res_model == "sale.order":
                value = (record.partner_id.name, record.state, record.project_id.name,
                         tuple((line.product_id.default_code, line.product_uom_qty,
                                line.price_unit) for line in record.order_line))
            elif binding.res_model == "agency.rate.rule":
                value = (record.partner_id.name, record.rate, record.date_from, record.date_to)
            else:
                value = (record.employee_id.name, str(record.date), record.unit_amount,
                         record.agency_rate, record.billed_amount, record.project_id.name)
            out[(binding.external_type, binding.external_id)] = value
        Line = self.env["account.analytic.line"]
        out["entries"] = Line.search_count([("source", "=", "hubspot")])
        out["orders"] = self.env["sale.order"].search_count(
            [("partner_id.name", "=like", "Client %")])
        out["projects"] = self.env["project.project"].search_count(
            [("name", "=like", "Contract %")])
        out["rules"] = self.env["agency.rate.rule"].search_count(
            [("partner_id.name", "=like", "Client %")])
        out["quarantine"] = sorted(self.env["agency.sync.log"].search([
            ("backend_id", "=", self.backend.id), ("state", "=", "open")]).mapped("external_id"))
        return out

    def _fresh(self, body):
        """Run ``body`` from the state before any sync, then undo it; return its result."""
        savepoint = self.env.cr.savepoint()
        try:
            return body()
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    def test_stopped_at_each_batch_boundary(self):
        def uninterrupted():
            run = self.sync()
            self.assertEqual(run.state, "done", run.error)
            return self.state(), run.batches

        expected, batches = self._fresh(uninterrupted)
        self.assertGreaterEqual(batches, 8)
        self.assertEqual(expected["entries"], 9)
        for stop in range(1, batches):
            def interrupted(stop=stop):
                # A run that stops right after its n-th committed batch (as when the
                # process is killed there), then the next run.
                first = self.sync(max_batches=stop)
                self.assertEqual((first.state, first.batches), ("partial", stop))
                second = self.sync()
                self.assertEqual(second.state, "done", second.error)
                return self.state()

            with self.subTest(stop=stop):
                self.assertEqual(self._fresh(interrupted), expected)

    def test_failure_inside_a_batch(self):
        """A request failing in the middle of a batch (the calls' associations, the line
        items of a deal) loses that batch only; the next run redoes it."""
        expected = self._fresh(lambda: (self.sync(), self.state())[1])
        for path in (r"calls/deals/batch/read", r"line_items/batch/read",
                     r"contacts/search"):
            def failing(path=path):
                self.fake.fail(path=path, status=401, body={"status": "error",
                                                            "message": "revoked"})
                first = self.sync()
                self.assertEqual(first.state, "failed")
                self.assertEqual(self.sync().state, "done")
                return self.state()

            with self.subTest(path=path):
                self.assertEqual(self._fresh(failing), expected)
