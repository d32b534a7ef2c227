"""The client's margin, days to pay and open WIP on the partner form (smart buttons)."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL


# One file per concern of the model (analytics): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "agency.analytics.buttons"]

    agency_report_client = fields.Boolean(
        string="Agency Client",
        help="Count this client in the agency's reports although it has no agency work and "
        "no billing automation (which count by themselves).")
    agency_counted = fields.Boolean(
        string="Counted in Agency Reports", compute="_compute_agency_counted",
        search="_search_agency_counted",
        help="The client's commercial partner is one of the agency's clients: its agency "
        "work, billing automation or the Agency Client mark.")

    def _agency_counted_ids(self):
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT partner_id FROM agency_report_client"))
        return {row[0] for row in self.env.cr.fetchall()}

    @api.depends_context("uid")
    def _compute_agency_counted(self):
        counted = self._agency_counted_ids()
        for partner in self:
            partner.agency_counted = partner.commercial_partner_id.id in counted

    def _search_agency_counted(self, operator, value):
        if operator not in ("=", "!="):
            return NotImplemented
        counted = list(self._agency_counted_ids())
        positive = (operator == "=") == bool(value)
        return [("commercial_partner_id", "in" if positive else "not in", counted)]

    def _compute_agency_analytics(self):
        """Grouped reads of the reports for all partners at once (last 12 months; WIP of
        any age), in the current company's currency."""
        since = self.env.company._agency_billing_today() - relativedelta(months=12)
        commercial = self.commercial_partner_id
        prof = {p: (rev, cost) for p, rev, cost in self.env[
            "agency.report.profitability"]._read_group(
            [("partner_id", "in", commercial.ids), ("date", ">=", since),
             ("kind", "in", ("revenue", "cost"))], ["partner_id"], ["revenue:sum", "cost:sum"])}
        wip = dict(self.env["agency.report.profitability"]._read_group(
            [("partner_id", "in", commercial.ids), ("kind", "=", "wip")],
            ["partner_id"], ["wip:sum"]))
        pay = dict(self.env["agency.report.invoice"]._read_group(
            [("partner_id", "in", commercial.ids), ("date", ">=", since),
             ("move_type", "=", "out_invoice")], ["partner_id"], ["days_to_pay_median:avg"]))
        for partner in self:
            key = partner.commercial_partner_id
            revenue, cost = prof.get(key, (0.0, 0.0))
            self._agency_set_analytics(partner, revenue, cost, pay.get(key), wip.get(key))

    def _agency_partner_action(self, xmlid, extra=()):
        return self._agency_report_action(
            xmlid, [("partner_id", "=", self.commercial_partner_id.id), *extra])

    def action_agency_open_profitability(self):
        """The client's profitability report."""
        return self._agency_partner_action(
            "agency_billing_analytics.action_agency_report_profitability")

    def action_agency_open_days_to_pay(self):
        """The client's days to pay report."""
        return self._agency_partner_action(
            "agency_billing_analytics.action_agency_report_days_to_pay")

    def action_agency_open_wip(self):
        """The client's work in progress (billable time not invoiced yet)."""
        return self._agency_partner_action(
            "agency_billing_analytics.action_agency_report_profitability", [("kind", "=", "wip")])
