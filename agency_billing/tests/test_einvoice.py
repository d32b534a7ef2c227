from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..lib import einvoice
from .billing_common import AgencyBillingRunCase

APRIL = date(2026, 4, 1)
PO = "PO-2026-0042"
LEITWEG = "04011000-12345-06"


@tagged("post_install", "-at_install")
class TestEinvoice(AgencyBillingRunCase):
    """A German agency bills clients that take e-invoices: XRechnung (the base client),
    Peppol BIS Billing 3.0 and Factur-X. Billing runs draft the invoices; sending them
    carries the XML Odoo builds in the client's format, checked offline first.
    Creative Director 150/h, VAT 19 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        de = cls.env.ref("base.de")
        cls.company.write({
            "country_id": de.id, "vat": "DE123456788", "street": "Torstraße 1",
            "city": "Berlin", "zip": "10119", "phone": "+49 30 1234567",
            "email": "billing@agency-test.example",
        })
        cls.company.partner_id.write({"peppol_eas": "9930", "peppol_endpoint": "DE123456788"})
        cls.env["res.partner.bank"].create({
            "acc_number": "DE89370400440532013000", "partner_id": cls.company.partner_id.id,
        })
        cls.vat19 = cls.env["account.tax"].create({
            "name": "VAT 19 % (test)", "amount": 19.0, "amount_type": "percent",
            "type_tax_use": "sale", "company_id": cls.company.id,
        })
        address = {"country_id": de.id, "street": "Kundenweg 5", "city": "Hamburg",
                   "zip": "20095"}
        # XRechnung: the base client, a public buyer with its Leitweg-ID.
        cls.client.write({
            **address, "vat": "DE987654320", "invoice_edi_format": "xrechnung",
            "peppol_eas": "0204", "peppol_endpoint": LEITWEG,
            "agency_buyer_reference": LEITWEG, "billing_last_period_end": date(2026, 2, 28),
        })
        cls.contact.write(address)
        cls.order.client_order_ref = PO
        cls.order.order_line.tax_id = cls.vat19
        # Peppol BIS 3 and Factur-X clients, each with its contract and billing contact.
        cls.bis3, cls.bis3_order, cls.bis3_project = cls._einvoice_client(
            "Peppol Client GmbH", "ubl_bis3", address, vat="DE111111125",
            eas="9930", endpoint="DE111111125", buyer="COST-CENTRE-7", po="PO-77")
        cls.facturx, cls.facturx_order, cls.facturx_project = cls._einvoice_client(
            "Factur-X Client GmbH", "facturx", address, vat="DE222222234",
            buyer="FX-BUYER", po="PO-FX-1")

    @classmethod
    def _einvoice_client(cls, name, edi_format, address, vat, buyer, po, eas=False,
                         endpoint=False):
        client = cls.env["res.partner"].create({"name": name, "is_company": True,
                                                **address, "vat": vat})
        contact = cls.env["res.partner"].create({
            "name": f"AP of {name}", "parent_id": client.id, "type": "invoice",
            "email": f"ap{client.id}@client-test.example", **address})
        client.write({
            "invoice_edi_format": edi_format, "peppol_eas": eas, "peppol_endpoint": endpoint,
            "agency_buyer_reference": buyer, "billing_automation": True,
            "billing_cycle": "monthly", "billing_month_day": 1, "auto_send": False,
            "invoice_detail_level": "service_type", "invoice_grouping": "client",
            "billing_contact_ids": [Command.set(contact.ids)],
            "billing_last_period_end": date(2026, 2, 28),
        })
        order, project = cls._make_contract(client)
        order.client_order_ref = po
        order.order_line.tax_id = cls.vat19
        project.service_type_id = cls.st_creative
        return client, order, project

    # -- helpers ---------------------------------------------------------------

    def _bill(self, client, project, hours=10.0):
        """Record ``hours`` of the Creative Director in March and run April's billing."""
        self._time(self.emp_cd, hours, day=date(2026, 3, 10), project=project)
        invoice = self._run_due(APRIL, clients=client).invoice_ids
        self.assertEqual(len(invoice), 1)
        return invoice

    def _send(self, invoice):
        invoice._agency_approve("e-invoice test")
        self.assertFalse(invoice.send_error)
        attachment = invoice.ubl_cii_xml_id
        self.assertTrue(attachment, "the invoice keeps the XML it was sent with")
        return attachment

    def assertNoEinvoiceFlag(self, invoice):
        flags = invoice.anomaly_ids.filtered(lambda a: a.code == "einvoice_invalid")
        self.assertFalse(flags, flags.mapped("reason"))

    def assertValid(self, xml, edi_format, invoice):
        self.assertEqual(einvoice.schema_findings(xml), [])
        self.assertEqual(einvoice.rule_findings(xml, edi_format,
                                                invoice._agency_einvoice_expected()
                                                if edi_format != "facturx" else
                                                {**invoice._agency_einvoice_expected(),
                                                 "line_names": None}), [])

    def assertSentWithXml(self, invoice, attachment):
        """The email to the billing contacts carries the XML; the portal's download of the
        invoice's documents too."""
        mails = invoice.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertIn(attachment.name, mails.attachment_ids.mapped("name"))
        documents = invoice._get_invoice_legal_documents_all()
        self.assertIn(attachment.name, [doc["filename"] for doc in documents])
        xml = next(doc["content"] for doc in documents if doc["filename"] == attachment.name)
        self.assertEqual(xml, attachment.raw)

    # -- tests ---------------------------------------------------------------

    def test_xrechnung_of_a_run_validates_and_carries_po_and_buyer_reference(self):
        invoice = self._bill(self.client, self.project)
        self.assertNoEinvoiceFlag(invoice)
        self.assertEqual(invoice.ref, PO)
        attachment = self._send(invoice)
        self.assertTrue(attachment.name.endswith("_ubl_de.xml"))
        xml = attachment.raw
        self.assertIn(b"xrechnung_3.0", xml)
        self.assertValid(xml, "xrechnung", invoice)
        fig = einvoice.figures(xml)
        self.assertEqual((fig.order_reference, fig.buyer_reference), (PO, LEITWEG))
        self.assertEqual(fig.buyer_endpoint, LEITWEG)
        # 10 h × 150 = 1,500.00; VAT 19 % = 285.00; 1,785.00 due.
        self.assertEqual([str(v) for v in fig.line_totals], ["1500.00"])
        self.assertEqual((str(fig.line_total), str(fig.tax_total), str(fig.tax_inclusive),
                          str(fig.payable)), ("1500.00", "285.00", "1785.00", "1785.00"))
        self.assertEqual((invoice.amount_untaxed, invoice.amount_tax, invoice.amount_total),
                         (1500.0, 285.0, 1785.0))
        self.assertEqual(fig.line_names, [invoice.invoice_line_ids.name.split("\n")[0]])
        # The PDF prints the same lines.
        pdf_text = self._report_text(invoice)
        for name in fig.line_names:
            self.assertIn(" ".join(name.split()), pdf_text)
        self.assertSentWithXml(invoice, attachment)

    def test_bis3_of_a_run_validates_and_carries_po_and_buyer_reference(self):
        invoice = self._bill(self.bis3, self.bis3_project, hours=7.25)
        self.assertNoEinvoiceFlag(invoice)
        attachment = self._send(invoice)
        xml = attachment.raw
        self.assertIn(b"urn:fdc:peppol.eu:2017:poacc:billing:3.0", xml)
        self.assertValid(xml, "ubl_bis3", invoice)
        fig = einvoice.figures(xml)
        self.assertEqual((fig.order_reference, fig.buyer_reference), ("PO-77", "COST-CENTRE-7"))
        # 7.25 h × 150 = 1,087.50; VAT 19 % = 206.625 → 206.63; 1,294.13 due.
        self.assertEqual([str(v) for v in fig.line_totals], ["1087.50"])
        self.assertEqual((str(fig.line_total), str(fig.tax_total), str(fig.payable)),
                         ("1087.50", "206.63", "1294.13"))
        self.assertEqual(invoice.amount_total, 1294.13)
        self.assertEqual(sorted(fig.line_names), sorted(
            line.name.split("\n")[0] for line in invoice.invoice_line_ids))
        self.assertSentWithXml(invoice, attachment)

    def test_facturx_of_a_run_validates_against_the_cii_schema(self):
        invoice = self._bill(self.facturx, self.facturx_project, hours=3.0)
        self.assertNoEinvoiceFlag(invoice)
        attachment = self._send(invoice)
        xml = attachment.raw
        self.assertIn(b"CrossIndustryInvoice", xml)
        self.assertValid(xml, "facturx", invoice)
        fig = einvoice.figures(xml)
        self.assertEqual((fig.order_reference, fig.buyer_reference), ("PO-FX-1", "FX-BUYER"))
        # 3 h × 150 = 450.00; VAT 85.50; 535.50.
        self.assertEqual((str(fig.line_total), str(fig.tax_total), str(fig.payable)),
                         ("450.00", "85.50", "535.50"))

    def test_a_milestone_invoice_carries_its_xml(self):
        """A milestone reached drafts its invoice at the billing cron's next tick: sent
        with its XRechnung, the milestone's label and share of the fee to the cent."""
        product = self.env["product.product"].create({
            "name": "Campaign milestone", "type": "service", "service_type": "milestones",
            "invoice_policy": "delivery", "service_tracking": "no", "list_price": 10000.0,
            "taxes_id": [Command.set(self.vat19.ids)],
        })
        self.order.write({"order_line": [Command.create({
            "product_id": product.id, "product_uom_qty": 1, "price_unit": 10000.0,
            "tax_id": [Command.set(self.vat19.ids)],
        })]})
        milestone = self.env["project.milestone"].create({
            "name": "Concept approved", "project_id": self.project.id,
            "sale_line_id": self.order.order_line.filtered(
                lambda sol: sol.product_id == product).id,
            "quantity_percentage": 0.4,
        })
        milestone.is_reached = True
        with freeze_time(date(2026, 3, 20)):
            self.env.ref("agency_billing.ir_cron_agency_billing_run").method_direct_trigger()
        invoice = milestone.agency_invoice_id
        self.assertEqual(invoice.billing_trigger, "milestone")
        self.assertNoEinvoiceFlag(invoice)
        xml = self._send(invoice).raw
        self.assertValid(xml, "xrechnung", invoice)
        fig = einvoice.figures(xml)
        self.assertEqual((fig.order_reference, fig.buyer_reference), (PO, LEITWEG))
        self.assertIn("Concept approved", fig.line_names[0])
        # 40 % of 10,000.00 = 4,000.00; VAT 760.00; 4,760.00 due.
        self.assertEqual((str(fig.line_total), str(fig.tax_total), str(fig.payable)),
                         ("4000.00", "760.00", "4760.00"))

    def test_missing_endpoint_is_a_blocking_flag_naming_the_rule(self):
        self.bis3.peppol_endpoint = False
        invoice = self._bill(self.bis3, self.bis3_project)
        flag = invoice.anomaly_ids.filtered(lambda a: a.code == "einvoice_invalid")
        self.assertEqual(flag.severity, "blocking")
        self.assertIn("PEPPOL-EN16931-R010", flag.reason)
        self.assertIn("Buyer electronic address (BT-49", flag.reason)
        self.assertTrue(invoice.has_blocking_anomaly)
        run_line = invoice.billing_run_id.line_ids.filtered(lambda rl: rl.partner_id == self.bis3)
        self.assertEqual(run_line.reason, "einvoice_invalid")
        with self.assertRaises(UserError):
            invoice.action_agency_approve()
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.ubl_cii_xml_id)
        # Fixed in the client's billing preferences: the flag clears, it can be sent.
        self.bis3.peppol_endpoint = "DE111111125"
        invoice.action_agency_check()
        self.assertNoEinvoiceFlag(invoice)
        self.assertValid(self._send(invoice).raw, "ubl_bis3", invoice)

    def test_xrechnung_without_buyer_reference_is_held(self):
        self.client.write({"agency_buyer_reference": False, "ref": False})
        invoice = self._bill(self.client, self.project)
        flag = invoice.anomaly_ids.filtered(lambda a: a.code == "einvoice_invalid")
        self.assertIn("BR-DE-15", flag.reason)
        self.assertIn("Buyer reference (BT-10", flag.reason)

    def test_a_missing_po_is_never_the_invoice_number(self):
        self.bis3_order.client_order_ref = False
        invoice = self._bill(self.bis3, self.bis3_project)
        self.assertFalse(invoice.ref)
        self.assertNoEinvoiceFlag(invoice)  # BT-10 is enough
        xml = self._send(invoice).raw
        self.assertValid(xml, "ubl_bis3", invoice)
        fig = einvoice.figures(xml)
        self.assertEqual(fig.order_reference, "", "no order reference, not the number")
        self.assertNotIn(b"<cac:OrderReference>", xml)
        self.assertEqual(fig.buyer_reference, "COST-CENTRE-7")

    def test_a_client_requiring_a_po_is_held_before_its_einvoice(self):
        self.bis3_order.client_order_ref = False
        self.bis3.po_required = True
        invoice = self._bill(self.bis3, self.bis3_project)
        self.assertIn("missing_po", self._flags(invoice))
        with self.assertRaises(UserError):
            invoice.action_agency_approve()
        invoice.ref = "PO-LATE-9"
        self.assertNotIn("missing_po", self._flags(invoice))
        fig = einvoice.figures(self._send(invoice).raw)
        self.assertEqual(fig.order_reference, "PO-LATE-9")

    def test_sending_refuses_an_xml_that_fails(self):
        """The client's endpoint went missing after approval: the invoice is posted but
        nothing leaves, and the error names the rule."""
        invoice = self._bill(self.bis3, self.bis3_project)
        self.assertNoEinvoiceFlag(invoice)
        self.bis3.peppol_endpoint = False
        invoice._agency_approve("e-invoice test")
        self.assertEqual(invoice.state, "posted")
        self.assertIn("PEPPOL-EN16931-R010", invoice.send_error)
        self.assertFalse(invoice.ubl_cii_xml_id)
        self.assertFalse(invoice.message_ids.filtered(lambda m: m.message_type == "comment"))

    def test_broken_xml_fails_the_schema(self):
        """The schema check itself: an order reference without its ID."""
        invoice = self._bill(self.bis3, self.bis3_project)
        _format, xml, findings = invoice._agency_einvoice_preview()
        self.assertEqual(findings, [])
        broken = xml.replace(b"<cbc:ID>PO-77</cbc:ID>", b"")
        rules = {finding.rule for finding in einvoice.schema_findings(broken)}
        self.assertEqual(rules, {"UBL 2.1 schema (XSD)"})
