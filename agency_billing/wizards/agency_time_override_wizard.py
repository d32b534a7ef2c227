from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..access import BILLING_USER, check_action


class AgencyTimeOverrideWizard(models.TransientModel):
    """Override the service type, rate or billability of time entries, saying why."""

    _name = "agency.time.override.wizard"
    _description = "Override Time Entries"

    line_ids = fields.Many2many("account.analytic.line", string="Time Entries", required=True)
    action = fields.Selection(
        [
            ("service_type", "Set the service type"),
            ("rate", "Set the hourly rate"),
            ("exclude", "Exclude from billing"),
            ("include", "Bill again (undo exclusion)"),
            ("unlock", "Let the rules decide again"),
        ],
        required=True,
        default="service_type",
    )
    service_type_id = fields.Many2one("agency.service.type")
    rate = fields.Float(digits="Product Price")
    reason = fields.Char(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.analytic.line":
            values["line_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return values

    def action_apply(self):
        """Apply the override to the entries (each protected field needs its group)."""
        check_action(self.line_ids, "write", BILLING_USER)
        self.ensure_one()
        lines = self.line_ids.with_context(agency_override_reason=self.reason)
        if self.action == "service_type":
            if not self.service_type_id:
                raise UserError(_("Choose the service type."))
            lines.write({"service_type_id": self.service_type_id.id})
        elif self.action == "rate":
            if self.rate < 0:
                raise UserError(_("A rate cannot be negative."))
            lines.write({"agency_rate": self.rate})
        elif self.action == "exclude":
            lines.write({"exclude_from_billing": True, "exclusion_reason": self.reason})
        elif self.action == "include":
            lines.write({"exclude_from_billing": False, "exclusion_reason": False})
        else:
            lines.action_agency_unlock()
        return {"type": "ir.actions.act_window_close"}
