from odoo import fields, models


class AgencySyncBinding(models.Model):
    """A HubSpot company's binding also keeps what Odoo last wrote back to it (the billing
    figures of the write-back), so unchanged figures are not sent again."""

    _inherit = "agency.sync.binding"

    hubspot_writeback_hash = fields.Char(
        string="Written Back (hash)", readonly=True, copy=False,
        help="Hash of the billing figures last written back to the HubSpot company.")
    hubspot_writeback_date = fields.Datetime(
        string="Written Back", readonly=True, copy=False,
        help="When the billing figures were last written back to the HubSpot company.")
