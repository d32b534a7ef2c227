"""Rate rules: how a rate reads on a client's invoice."""

from odoo import fields, models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyRateRuleLabel(models.Model):
    _inherit = "agency.rate.rule"

    client_label = fields.Char(
        string="Label on Invoices", translate=True,
        help="How this rate reads on the client's invoice when one service is billed at "
        "several rates (e.g. \"Senior creative rate\"). Empty: the role's rate, the "
        "discount or \"agreed rate\". The rule's own label stays internal.",
    )

    def _agency_client_label(self):
        """Client-facing words for this rate: never the rule's internal label, never a
        person's name."""
        self.ensure_one()
        if self.client_label:
            return self.client_label
        if self.rate_type == "discount":
            return self.env._("%(discount)s %% discount", discount=format(self.discount, "g"))
        role = self.job_id or self.employee_id.job_id
        if role:
            return self.env._("%(role)s rate", role=role.name)
        if self.partner_id or self.order_id or self.project_id:
            return self.env._("agreed rate")
        return ""
