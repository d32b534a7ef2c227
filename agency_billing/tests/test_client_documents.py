from datetime import date

from odoo import Command
from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

INTERNAL = ("Rate card", "Card CD", "Card designer", "Card AD", "Morgan Senior", "Casey CD",
            "Dana Designer", "Alex AD", "Rule", "reason")


@tagged("post_install", "-at_install")
class TestClientDocuments(AgencyBillingRunCase):
    """What a client reads on an invoice (lines, PDF) at each detail level: the service
    types billed, labelled rates, milestones as a share of the fee, the time total next to
    the invoice total — never a rule name or, outside the annex when asked for, a person.

    March 2026, rounded up to 15 minutes: Creative Director 1.1 h (1.25 billed) at the role
    rate 150 = 187.50; a senior Creative Director 2 h at a personal rate 170 = 340.00;
    design 0.7 + 1.0 h (0.75 + 1.00) at 120 = 210.00; client communication 0.5 h at the
    Account Director rate 140 (billed under the account-management product it shares) =
    70.00; a milestone of 50 % of a 12,000.00 fee = 6,000.00. Untaxed 6,807.50.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.write({"time_rounding": "up", "time_rounding_unit": 15,
                          "billing_last_period_end": date(2026, 2, 28)})
        cls.emp_senior = cls.env["hr.employee"].create({"name": "Morgan Senior",
                                                        "job_id": cls.job_cd.id})
        Rule = cls.env["agency.rate.rule"]
        Rule.create({"name": "Rate card: Morgan Senior (senior)", "employee_id":
                     cls.emp_senior.id, "rate": 170.0, "client_label": "Senior creative rate"})
        Rule.create({"name": "Card AD", "job_id": cls.job_ad.id, "rate": 140.0})
        cls.task_comm = cls.env["project.task"].create({
            "name": "Status calls", "project_id": cls.project.id,
            "service_type_id": cls.st_comm.id,
        })
        product = cls.env["product.product"].create({
            "name": "Campaign milestones", "type": "service", "service_type": "milestones",
            "invoice_policy": "delivery", "service_tracking": "no", "list_price": 12000.0,
        })
        cls.order.write({"order_line": [Command.create({
            "product_id": product.id, "product_uom_qty": 1, "price_unit": 12000.0,
        })]})
        cls.milestone_line = cls.order.order_line.filtered(lambda ml: ml.product_id == product)
        milestone = cls.env["project.milestone"].create({
            "name": "Creative approved", "project_id": cls.project.id,
            "sale_line_id": cls.milestone_line.id, "quantity_percentage": 0.5,
            "is_reached": True,
        })
        milestone.reached_date = date(2026, 3, 20)

    def setUp(self):
        super().setUp()
        self._time(self.emp_cd, 1.1, day=date(2026, 3, 10), name="Concept review")
        self._time(self.emp_senior, 2.0, day=date(2026, 3, 11), name="Key visual")
        self._time(self.emp_designer, 0.7, day=date(2026, 3, 11), task=self.task_design,
                   name="Banner resize")
        self._time(self.emp_designer, 1.0, day=date(2026, 3, 12), task=self.task_design,
                   name="Social posts")
        self._time(self.emp_ad, 0.5, day=date(2026, 3, 13), task=self.task_comm,
                   name="Weekly status call")

    def _invoice_at(self, level, names=False):
        self.client.write({"invoice_detail_level": level, "invoice_show_names": names})
        invoice = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_untaxed, 6807.5)
        return invoice

    def _labels(self, invoice):
        return {line.name: line.price_subtotal for line in invoice.invoice_line_ids
                if line.display_type == "product"}

    def assertClientFacing(self, text, names=False):
        for word in INTERNAL:
            if names and word in ("Casey CD", "Dana Designer", "Alex AD", "Morgan Senior"):
                continue
            self.assertNotIn(word, text)
        self.assertIn("Creative approved – 50 % of 12,000.00", text)
        self.assertIn("Time total", text)
        self.assertIn("Other lines of this invoice (milestones, retainer, expenses) $ 6,000.00",
                      text)
        self.assertIn("Invoice total (untaxed) $ 6,807.50", text)

    def test_service_type_level(self):
        invoice = self._invoice_at("service_type")
        self.assertEqual(self._labels(invoice), {
            "Creative – Test Creative Director rate": 187.5,
            "Creative – Senior creative rate": 340.0,
            "Design": 210.0,
            "Client communication": 70.0,
            "Creative approved – 50 % of 12,000.00": 6000.0,
        })
        milestone = invoice.invoice_line_ids.filtered(
            lambda ml: ml.sale_line_ids == self.milestone_line)
        self.assertEqual(milestone._agency_quantity_text(), "50 %")
        text = self._report_text(invoice)
        self.assertClientFacing(text)
        self.assertIn("Service type Entries Recorded h Billed h Amount", text)
        self.assertIn("Creative 2 3.10 3.25 $ 527.50", text)
        self.assertIn("Client communication 1 0.50 0.50 $ 70.00", text)
        self.assertIn("Time total 5.30 5.50 $ 807.50", text)
        # Back office: the rules stay visible to finance on the invoice lines.
        senior = invoice.invoice_line_ids.filtered(lambda ml: ml.price_unit == 170.0)
        self.assertIn("Rate card: Morgan Senior (senior)", senior.agency_rate_note)

    def test_role_level(self):
        invoice = self._invoice_at("role")
        labels = self._labels(invoice)
        self.assertEqual(labels["Design – Test Designer"], 210.0)
        self.assertEqual(labels["Client communication – Test Account Director"], 70.0)
        self.assertEqual(labels["Creative – Test Creative Director – Senior creative rate"],
                         340.0)
        text = self._report_text(invoice)
        self.assertClientFacing(text)
        self.assertIn("Role Entries Recorded h Billed h Amount", text)
        self.assertIn("Test Creative Director 2 3.10 3.25 $ 527.50", text)

    def test_task_level(self):
        invoice = self._invoice_at("task")
        labels = self._labels(invoice)
        self.assertEqual(labels["Design – Visual set"], 210.0)
        self.assertEqual(labels["Client communication – Status calls"], 70.0)
        text = self._report_text(invoice)
        self.assertClientFacing(text)
        self.assertIn("No task 2 3.10 3.25 $ 527.50", text)
        self.assertIn("Visual set 2 1.70 1.75 $ 210.00", text)

    def test_summary_level(self):
        invoice = self._invoice_at("summary")
        self.assertIn("Design", self._labels(invoice))
        text = self._report_text(invoice)
        self.assertNotIn("Time detail", text)
        for word in INTERNAL:
            self.assertNotIn(word, text)

    def test_annex_without_names(self):
        text = self._report_text(self._invoice_at("annex"))
        self.assertClientFacing(text)
        self.assertIn("Date Role Task Description Recorded h Billed h Rate Amount", text)
        self.assertIn("03/11/2026 Test Designer Visual set Banner resize 0.70 0.75 $ 120.00 "
                      "$ 90.00", text)
        self.assertIn("Time total 5.30 5.50 $ 807.50", text)

    def test_annex_with_names_in_hours_and_minutes(self):
        self.company.agency_hours_format = "hhmm"
        text = self._report_text(self._invoice_at("annex", names=True))
        self.assertClientFacing(text, names=True)
        self.assertIn("Date Who Role Task Description Recorded h Billed h Rate Amount", text)
        self.assertIn("03/11/2026 Dana Designer Test Designer Visual set Banner resize 0:42 "
                      "0:45 $ 120.00 $ 90.00", text)
        self.assertIn("Time total 5:18 5:30 $ 807.50", text)

    def test_due_date_from_payment_terms(self):
        invoice = self._invoice_at("summary")
        self.assertEqual(invoice.invoice_payment_term_id,
                         self.env.ref("account.account_payment_term_30days"))
        invoice.invoice_date = date(2026, 4, 1)
        self.assertEqual(invoice.invoice_date_due, date(2026, 5, 1))

    def test_client_payment_terms_win(self):
        terms = self.env.ref("account.account_payment_term_15days")
        self.client.property_payment_term_id = terms
        self.order.payment_term_id = False
        invoice = self._invoice_at("summary")
        self.assertEqual(invoice.invoice_payment_term_id, terms)


@tagged("post_install", "-at_install")
class TestRetainerWording(AgencyBillingRunCase):
    """A retainer fee line states its period and the hours it covered."""

    def test_retainer_line(self):
        fee = self.env.ref("agency_billing.product_retainer_fee")
        self.order.write({
            "order_line": [Command.create({"product_id": fee.id, "price_unit": 1000.0,
                                           "product_uom_qty": 12, "name": "Monthly retainer"})],
            "retainer_hours": 10.0,
        })
        self.client.billing_last_period_end = date(2026, 2, 28)
        self._time(self.emp_cd, 4.0, day=date(2026, 3, 10))
        invoice = self._run_due(date(2026, 4, 1)).invoice_ids
        line = invoice.invoice_line_ids.filtered(lambda ml: ml.product_id == fee)
        self.assertEqual(line.name, "Monthly retainer – 03/01/2026 to 03/31/2026: 10.00 h "
                         "included, 4.00 h covered")
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        text = self._report_text(invoice)
        self.assertIn("Retainer period Included h Carried in h Used h Covered h", text)
