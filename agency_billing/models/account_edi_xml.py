"""E-invoice builders of ``account_edi_ubl_cii``: the order and buyer references of an
agency's invoices, and the line names its PDF prints.

* **BT-13** (order reference) is the contract's PO number (the sale order's Customer
  Reference, which Odoo copies to the invoice's ``ref``). Odoo puts the invoice number
  there when ``ref`` is empty, which hides a missing PO from the client's AP matching:
  here a missing PO stays missing (the review hold's *Missing PO number* flag applies to
  clients who require one).
* **BT-10** (buyer reference) is the buyer reference of the client's billing preferences.
* **BT-153** (item name) of UBL lines is the line's label as the PDF prints it (first
  line), not the product's name; the full label stays in BT-154 (description).

While a draft is checked in the review queue (context ``agency_einvoice_preview``), the
XML is built with the number and date it will get (a placeholder number, today), so the
schemas can be checked before the invoice is posted.
"""

from odoo import fields, models

DRAFT_NUMBER = "DRAFT"


class AccountEdiXmlUbl20(models.AbstractModel):
    _inherit = "account.edi.xml.ubl_20"

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        refs = invoice._agency_einvoice_references()
        vals["vals"]["order_reference"] = refs["order_reference"] or None
        if not refs["order_reference"]:
            # cac:OrderReference needs its ID: without a PO, no order reference at all.
            vals["vals"]["sales_order_id"] = None
        if self.env.context.get("agency_einvoice_preview") and invoice.state == "draft":
            vals["vals"]["id"] = invoice.name or DRAFT_NUMBER
            vals["vals"]["issue_date"] = invoice.invoice_date or fields.Date.context_today(self)
        return vals

    def _export_invoice_constraints(self, invoice, vals):
        constraints = super()._export_invoice_constraints(invoice, vals)
        if self.env.context.get("agency_einvoice_preview") and invoice.state == "draft":
            # The number and date come when it is posted.
            constraints.pop("ubl20_invoice_name_required", None)
            constraints.pop("ubl20_invoice_date_required", None)
        return constraints

    def _get_invoice_line_item_vals(self, line, taxes_vals):
        vals = super()._get_invoice_line_item_vals(line, taxes_vals)
        label = (line.name or "").strip().split("\n")[0].strip()
        if label:
            vals["name"] = label
        return vals


class AccountEdiXmlUbl21(models.AbstractModel):
    _inherit = "account.edi.xml.ubl_21"

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        vals["vals"]["buyer_reference"] = \
            invoice._agency_einvoice_references()["buyer_reference"] or None
        return vals


class AccountEdiXmlCii(models.AbstractModel):
    _inherit = "account.edi.xml.cii"

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        refs = invoice._agency_einvoice_references()
        vals["buyer_reference"] = refs["buyer_reference"] or None
        vals["purchase_order_reference"] = refs["order_reference"] or None
        return vals

    def _get_exchanged_document_vals(self, invoice):
        vals = super()._get_exchanged_document_vals(invoice)
        if self.env.context.get("agency_einvoice_preview") and invoice.state == "draft":
            vals["id"] = invoice.name or DRAFT_NUMBER
            vals["issue_date_time"] = invoice.invoice_date or fields.Date.context_today(self)
        return vals
