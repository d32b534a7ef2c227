"""Companies: how client documents show hours, and the default payment terms."""

from odoo import fields, models

from ..lib.invoice_text import HOURS_FORMATS

HOURS_FORMAT_LABELS = dict(zip(HOURS_FORMATS, ("Decimal (1.25 h)", "Hours and minutes (1:15)"),
                               strict=True))


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResCompanyClient(models.Model):
    _inherit = "res.company"

    agency_hours_format = fields.Selection(
        list(HOURS_FORMAT_LABELS.items()), string="Hours Format", default="decimal",
        required=True,
        help="How hours read on invoices, in the portal and in the Agency Billing lists.",
    )
    agency_payment_term_id = fields.Many2one(
        "account.payment.term", string="Default Payment Terms",
        default=lambda self: self.env.ref("account.account_payment_term_30days",
                                          raise_if_not_found=False),
        help="Payment terms of invoices to clients that have none of their own (the "
        "client's payment terms, on its Billing Preferences tab, win).",
    )
