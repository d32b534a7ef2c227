from odoo import api, fields, models

from ..access import BILLING_MANAGER, check_action


class AgencyBillingRunWizard(models.TransientModel):
    """Bill clients now, up to a day of your choice: today, or a past day to bill a past
    period on purpose (``res.partner.action_agency_run_billing``)."""

    _name = "agency.billing.run.wizard"
    _description = "Run Billing Up To a Day"

    partner_ids = fields.Many2many("res.partner", string="Clients", required=True,
                                   domain=[("is_company", "=", True)])
    date_to = fields.Date(
        string="Bill Time Up To", required=True,
        default=lambda self: self.env.company._agency_today(),
        help="Time delivered up to this day (included) is invoiced; a past day bills a past "
        "period. Retainers of clients on a periodic cycle are settled by their cycle.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "partner_ids" in fields_list and not values.get("partner_ids") \
                and self.env.context.get("active_model") == "res.partner":
            values["partner_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return values

    def action_run(self):
        """Run billing for the clients up to the day (administrators only)."""
        check_action(self.partner_ids, "read", BILLING_MANAGER)
        self.ensure_one()
        return self.partner_ids.action_agency_run_billing(date_to=self.date_to)
