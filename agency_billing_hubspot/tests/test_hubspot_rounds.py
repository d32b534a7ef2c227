from odoo.tests import tagged

from .common import HubSpotCase


@tagged("post_install", "-at_install")
class TestHubSpotIncludedRounds(HubSpotCase):
    """A line item's ``agency_included_rounds`` (or the property a mapping of kind
    ``included_rounds`` names) makes the deliverable of its order line, and updates it."""

    def _line_item(self, name):
        return next(rid for rid, rec in self.fake.objects["line_items"].items()
                    if rec["properties"].get("name") == name)

    def test_included_rounds_from_line_item(self):
        ids = self.portal()
        launch = self._line_item("Launch")
        self.fake.update("line_items", launch, agency_included_rounds="2")
        self.fake.update("line_items", self._line_item("Design"), agency_included_rounds="")
        self.sync()
        order = self.bound("deal", ids["deal"])
        deliverable = self.env["agency.deliverable"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(len(deliverable), 1, "only the line item with a value")
        self.assertEqual((deliverable.name, deliverable.included_rounds,
                          deliverable.sale_line_id.product_id.default_code,
                          deliverable.extra_round_pricing), ("Launch", 2, "AGY-FIXED", "hourly"))
        # The portal changes it: the same deliverable follows.
        self.fake.update("line_items", launch, agency_included_rounds="3")
        self.backend._agency_sync_reset_cursors()
        self.sync()
        self.assertEqual(deliverable.included_rounds, 3)
        self.assertEqual(self.env["agency.deliverable"].search_count(
            [("sale_order_id", "=", order.id)]), 1)

    def test_mapped_property_and_bad_value(self):
        ids = self.portal()
        self.env["agency.hubspot.mapping"].create({
            "backend_id": self.backend.id, "kind": "included_rounds",
            "property_name": "revision_rounds"})
        self.fake.update("line_items", self._line_item("Launch"), revision_rounds="two")
        self.fake.update("line_items", self._line_item("Design"), revision_rounds="1")
        run = self.sync()
        order = self.bound("deal", ids["deal"])
        deliverable = self.env["agency.deliverable"].search([("sale_order_id", "=", order.id)])
        self.assertEqual((deliverable.name, deliverable.included_rounds), ("Design", 1))
        self.assertIn("'two' is not a whole number of revision rounds",
                      " ".join(self.env["agency.sync.log"].search([]).mapped("error") or [])
                      + (run.log or ""))
