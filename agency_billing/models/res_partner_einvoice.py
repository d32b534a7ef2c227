"""Clients: the e-invoice their accounts-payable system reads.

The format (Odoo's ``invoice_edi_format``: BIS Billing 3.0, XRechnung, Factur-X, NLCIUS,
A-NZ, SG), the Peppol endpoint and its scheme (``peppol_endpoint``, ``peppol_eas``) are
Odoo's own fields (``account_edi_ubl_cii``), shown in the client's billing preferences;
this file adds the buyer reference (BT-10) the client asks its suppliers to quote.
"""

from odoo import api, fields, models

from ..access import INTERNAL_USERS


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResPartnerEinvoice(models.Model):
    _inherit = "res.partner"

    agency_buyer_reference = fields.Char(
        string="Buyer Reference",
        help="The reference the client asks its suppliers to quote on every invoice (BT-10 "
        "of its e-invoices: a Leitweg-ID for German public buyers, a cost centre, a "
        "department code). Empty: the client's Reference field, as Odoo sends it.",
        groups=INTERNAL_USERS,
    )
    agency_einvoice_chosen = fields.Boolean(
        string="E-Invoice Chosen", compute="_compute_agency_einvoice_chosen",
        help="The client's e-invoice format is set in its billing preferences (not only "
        "suggested by its country): its e-invoices are validated before they are sent.",
    )

    @api.depends_context("company")
    @api.depends("invoice_edi_format")
    def _compute_agency_einvoice_chosen(self):
        formats = set(self.env["res.partner"]._get_ubl_cii_formats())
        for partner in self:
            client = partner.commercial_partner_id
            # sudo: whether the client's own (company-dependent) format is stored, not
            # suggested: a technical field of account (read only).
            stored = client.sudo().invoice_edi_format_store
            partner.agency_einvoice_chosen = bool(stored and stored in formats)

    def _agency_einvoice_format(self, company=None):
        """The format key of this client's e-invoices when it chose one in its billing
        preferences (the format Odoo's send flow uses), else False."""
        self.ensure_one()
        client = self.commercial_partner_id.with_company(company or self.env.company)
        if not client.agency_einvoice_chosen:
            return False
        return client.invoice_edi_format

    def _agency_buyer_reference(self):
        """BT-10 of this client's e-invoices: its buyer reference, else its Reference
        (what Odoo sends by itself)."""
        client = self.commercial_partner_id.sudo()  # sudo: a reference the XML carries
        return (client.agency_buyer_reference or client.ref or "").strip()

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["agency_buyer_reference"]
