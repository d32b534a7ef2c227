"""Billing runs: the extra revision rounds of the contracts they invoice."""

from odoo import models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyBillingRunRounds(models.Model):
    _inherit = "agency.billing.run"

    def _select_orders(self, jobs):
        """The contracts, then the extra rounds they bill: held, lined, routed (hook)."""
        res = super()._select_orders(jobs)
        orders = self.env["sale.order"].union(*(job.orders for job in jobs if job.orders))
        if orders:
            self.env["agency.deliverable.round"]._agency_prepare_billing(orders)
        return res

    def _link_billed(self, jobs, periods):
        """…and the extra rounds the new invoices billed."""
        res = super()._link_billed(jobs, periods)
        moves = self.env["account.move"].union(*(job.invoices for job in jobs if job.invoices))
        if moves:
            self.env["agency.deliverable.round"]._agency_link_invoiced(moves)
        return res
