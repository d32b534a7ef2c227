"""Customer invoices: the client's e-invoice, checked before it is sent.

Odoo's send flow (``account.move.send``, with ``account_edi_ubl_cii``) builds the XML in
the format of the client's billing preferences, attaches it to the invoice email and
offers it with the PDF on the portal. Odoo checks a few required fields only, and may
send the email without the XML when building it fails. For clients that chose a format
(:meth:`res.partner._agency_einvoice_format`), this file checks the XML offline, with the
functions of ``..lib.einvoice``: the official XML schema of its syntax, the business
rules an agency's invoice can break, and that it says what the invoice says.

* In the review queue, the draft's XML is built and checked with the other anomaly
  flags: a failure is the blocking flag *E-invoice fails validation*, naming each rule
  and field, so the draft is held until it is fixed.
* When it is sent, the final XML is checked again: a failure stops the sending (nothing
  leaves, neither the email nor the XML), the invoice keeps the error (``send_error``)
  and the billing cron tries again once it is fixed.
"""

import logging
from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError

from ..lib import einvoice

_logger = logging.getLogger(__name__)


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveEinvoice(models.Model):
    _inherit = "account.move"

    def _agency_einvoice_references(self):
        """{order_reference: the contract's PO number ('' when none), buyer_reference:
        the client's buyer reference} of this invoice's e-invoice (BT-13, BT-10)."""
        self.ensure_one()
        return {
            "order_reference": (self.ref or "").strip(),
            "buyer_reference": self.commercial_partner_id._agency_buyer_reference(),
        }

    def _agency_einvoice_format(self):
        """The format key of this customer invoice's e-invoice when its client chose one,
        else False."""
        self.ensure_one()
        if not self.is_sale_document():
            return False
        return self.partner_id._agency_einvoice_format(self.company_id)

    def _agency_einvoice_lines(self):
        """The lines an e-invoice carries (Odoo's builders' filter)."""
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type not in ("line_note", "line_section")
            and line._check_edi_line_tax_required())

    def _agency_einvoice_expected(self):
        """What the e-invoice must say, as plain values (see ``lib.einvoice``): the
        invoice's lines, labels and amounts as its PDF prints them, its references."""
        self.ensure_one()
        lines = self._agency_einvoice_lines()
        refs = self._agency_einvoice_references()
        return {
            "line_totals": lines.mapped("price_subtotal"),
            "line_names": [(line.name or line.product_id.name or "").strip().split("\n")[0]
                           for line in lines],
            "tax_total": self.amount_tax,
            "total": self.amount_total,
            "payable": self.amount_residual if self.state == "posted" else self.amount_total,
            "invoice_number": self.name or "",
            **refs,
        }

    def _agency_einvoice_findings(self, xml, edi_format, builder_errors=()):
        """[lib.einvoice.Finding] of this invoice's XML in ``edi_format``: the builder's
        own errors, the schema, the business rules."""
        self.ensure_one()
        required = self.env._("Required field")
        found = [einvoice.Finding("account_edi_ubl_cii", required, str(error))
                 for error in builder_errors]
        try:
            found += einvoice.schema_findings(xml)
        except einvoice.SchemaUnavailable as error:
            found.append(einvoice.Finding("XSD", self.env._("XML schema"), str(error)))
        expected = self._agency_einvoice_expected()
        if einvoice.FORMAT_SYNTAX.get(edi_format) == "cii":
            expected.pop("line_names")  # CII lines are named after their product
        found += einvoice.rule_findings(xml, edi_format, expected)
        return found

    def _agency_einvoice_preview(self):
        """(format, XML bytes, findings) of this draft's e-invoice, built by Odoo's builder
        as it will be sent (placeholder number and today's date until posted); None when
        the client chose no e-invoice format."""
        self.ensure_one()
        edi_format = self._agency_einvoice_format()
        if not edi_format:
            return None
        builder = self.partner_id.commercial_partner_id._get_edi_builder(edi_format)
        try:
            xml, errors = builder.with_context(agency_einvoice_preview=True)._export_invoice(
                self)
        except UserError as error:
            return edi_format, b"", [einvoice.Finding(
                "account_edi_ubl_cii", builder._description, str(error))]
        return edi_format, xml, self._agency_einvoice_findings(xml, edi_format, errors)

    def _agency_find_anomalies(self):
        """Extends the review queue's checks with the e-invoice's (blocking)."""
        found = super()._agency_find_anomalies()
        for move, reasons in self._agency_check_einvoice().items():
            found[move.id] += reasons
        return found

    def _agency_check_einvoice(self):
        """{invoice: [("einvoice_invalid", reason)]} for drafts whose e-invoice would be
        rejected (hook)."""
        found = defaultdict(list)
        for move in self.filtered(lambda m: m.state == "draft"):
            preview = move._agency_einvoice_preview()
            if not preview or not preview[2]:
                continue
            edi_format, _xml, findings = preview
            label = dict(move.partner_id._fields["invoice_edi_format"]._description_selection(
                self.env)).get(edi_format, edi_format)
            found[move].append(("einvoice_invalid", self.env._(
                "The %(format)s e-invoice fails validation: %(findings)s",
                format=label, findings="; ".join(str(f) for f in findings[:8]))))
        return found


class AccountMoveSendEinvoice(models.AbstractModel):
    _inherit = "account.move.send"

    def _hook_invoice_document_before_pdf_report_render(self, invoice, invoice_data):
        """Check the e-invoice Odoo just built for a client that chose its format: when it
        fails, nothing is sent (no PDF fallback without the XML either)."""
        super()._hook_invoice_document_before_pdf_report_render(invoice, invoice_data)
        edi_format = invoice_data.get("invoice_edi_format")
        if not edi_format or edi_format != invoice._agency_einvoice_format():
            return
        if invoice_data.get("error"):
            # Odoo's builder failed: the client's system needs the XML, so no PDF-only
            # email goes out instead.
            invoice_data["error_but_continue"] = False
            return
        values = invoice_data.get("ubl_cii_xml_attachment_values")
        if not values:
            return
        findings = invoice._agency_einvoice_findings(values["raw"], edi_format)
        if findings:
            _logger.info("E-invoice of %s not sent: %s", invoice.display_name,
                         "; ".join(f.rule for f in findings))
            invoice_data.pop("ubl_cii_xml_attachment_values", None)
            invoice_data.pop("ubl_cii_xml_options", None)
            invoice_data["error"] = {
                "error_title": self.env._("The e-invoice fails validation; nothing was sent:"),
                "errors": [str(f) for f in findings],
            }
            invoice_data["error_but_continue"] = False
