import re

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRevisionRoundsPortal(HttpCase):
    """The client reads a deliverable's rounds in the portal and asks for changes there
    (browser tour); another client cannot open it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env
        design = env.ref("agency_billing.service_type_design")
        cls.client = env["res.partner"].create({"name": "Round Foods", "is_company": True})
        cls.portal_user = new_test_user(
            env, login="ab_rounds_client", groups="base.group_portal", name="Robin Client",
            email="robin@round-foods.example")
        cls.portal_user.partner_id.parent_id = cls.client
        other = env["res.partner"].create({"name": "Other Co", "is_company": True})
        cls.other_user = new_test_user(env, login="ab_rounds_other", groups="base.group_portal",
                                       name="Olga Other")
        cls.other_user.partner_id.parent_id = other
        cls.contract = env["sale.order"].create({
            "partner_id": cls.client.id,
            "order_line": [Command.create({"product_id": design.product_id.id,
                                           "price_unit": 100.0, "product_uom_qty": 10})],
        })
        cls.contract.action_confirm()
        cls.logo = env["agency.deliverable"].create({
            "name": "Logo", "sale_order_id": cls.contract.id, "included_rounds": 2,
            "extra_round_policy": "bill", "extra_round_pricing": "fixed",
            "extra_round_price": 450.0,
        })
        cls.logo._agency_start_round("odoo", requested_by="Alex AD")

    def test_client_requests_changes_in_portal(self):
        self.start_tour(f"/my/deliverables/{self.logo.id}", "agency_deliverable_portal_tour",
                        login="ab_rounds_client")
        self.env.invalidate_all()
        self.assertEqual(self.logo.round_count, 2)
        second = self.logo.round_ids.sorted("number")[-1]
        self.assertEqual((second.source, second.requested_by, second.note, second.is_extra),
                         ("portal", "Robin Client", "Bigger mark, warmer red", False))

    def test_other_client_cannot_open_or_request(self):
        self.authenticate("ab_rounds_other", "ab_rounds_other")
        page = self.url_open(f"/my/deliverables/{self.logo.id}")
        self.assertNotIn("revision round 1", page.text)
        token = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        answer = self.url_open(f"/my/deliverables/{self.logo.id}/request_changes",
                               data={"csrf_token": token})
        self.assertTrue(answer.url.endswith("/my"), "sent back home, nothing recorded")
        self.env.invalidate_all()
        self.assertEqual(self.logo.round_count, 1)
        listing = self.url_open("/my/deliverables")
        self.assertNotIn("agency_deliverable_row", listing.text)
        self.assertIn("There are no deliverables yet.", listing.text)
