from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import scope

ROUNDING = [
    ("company", "Company default"),
    ("none", "No rounding"),
    ("up", "Round up"),
    ("nearest", "Round to nearest"),
]


class ResPartner(models.Model):
    """Client terms that decide how the client's time is billed."""

    _inherit = "res.partner"

    time_rounding = fields.Selection(
        ROUNDING,
        default="company",
        required=True,
        help="How billed time is rounded for this client; raw time is always kept.",
    )
    time_rounding_unit = fields.Integer(
        string="Rounding Unit (min)", default=15, help="E.g. 6, 15 or 30 minutes."
    )
    time_rounding_minimum = fields.Integer(
        string="Minimum per Entry (min)", help="Billed time of any entry is at least this."
    )
    agency_rate_rule_ids = fields.One2many(
        "agency.rate.rule", "partner_id", string="Rate Agreements"
    )
    agency_over_scope_policy = fields.Selection(
        [("company", "Company default"), *scope.OVER_SCOPE_POLICIES],
        string="Over-Scope Policy", default="company", required=True,
        help="What happens to this client's time recorded after its budget line is used "
        "up: billed at rate, held (billable, not invoiced until a change request is "
        "approved) or absorbed (non-billable).",
    )

    @api.constrains("time_rounding", "time_rounding_unit", "time_rounding_minimum")
    def _check_time_rounding(self):
        for partner in self:
            if partner.time_rounding in ("up", "nearest") and partner.time_rounding_unit <= 0:
                raise ValidationError(
                    _("The rounding unit of %s must be a positive number of minutes.",
                      partner.display_name)
                )
            if partner.time_rounding_minimum < 0:
                raise ValidationError(_("A minimum billed time cannot be negative."))

    def _agency_rounding_policy(self, company):
        """(method, unit, minimum) that applies to this client's time in a company."""
        partner = self.commercial_partner_id
        if partner and partner.time_rounding != "company":
            return (partner.time_rounding, partner.time_rounding_unit,
                    partner.time_rounding_minimum)
        return company._agency_rounding_policy()

    def write(self, vals):
        res = super().write(vals)
        if {"time_rounding", "time_rounding_unit", "time_rounding_minimum"} & set(vals):
            self.env["account.analytic.line"]._agency_flag_rerate(
                self.env.companies, partners=self.commercial_partner_id
            )
        return res

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "time_rounding", "time_rounding_unit", "time_rounding_minimum",
            "agency_over_scope_policy",
        ]
