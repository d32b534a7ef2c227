"""Scope budgets that follow what the contracts sold.

Confirming a contract budgets its projects by itself, as Odoo sets a project's allocated
hours on confirmation: a line per service type (hours) and fixed-fee milestone (amount)
sold. A later order or upsell on the same project adds what it sold to those lines. A line
whose budget a person edited keeps it: it no longer follows the orders.
"""

from odoo import api, fields, models
from odoo.tools import float_compare


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyScopeLineAuto(models.Model):
    _inherit = "agency.scope.line"

    budget_from_orders = fields.Boolean(
        string="Follows the Orders", copy=False,
        help="The budget is what the project's confirmed orders sold, and grows with later "
        "orders. Editing the budget by hand stops it following them.",
    )
    sold_hours = fields.Float(string="Sold (h)", digits=(16, 2), copy=False, readonly=True,
                              help="Hours the confirmed orders sold, when last counted.")
    sold_amount = fields.Monetary(string="Sold", copy=False, readonly=True,
                                  help="Amount the confirmed orders sold, when last counted.")

    @api.model
    def _agency_budget_edit_vals(self, vals):
        """Step of ``write`` (see the model's main file), first: a budget edited by a
        person stops following the orders — the values to write."""
        if {"budget_hours", "budget_amount"} & vals.keys() \
                and not self.env.context.get("agency_scope_from_orders"):
            return dict(vals, budget_from_orders=False)
        return vals

    def _agency_apply_change_request(self, order):
        """An accepted change request grows the budget without making it "edited by a
        person": the line keeps following later orders."""
        return super(AgencyScopeLineAuto, self.with_context(agency_scope_from_orders=True)
                     )._agency_apply_change_request(order)

    @api.model
    def _agency_follow_orders(self, projects):
        """Create or grow the budget lines of these projects from what their confirmed
        orders sold; lines a person edited are left as they are."""
        # sudo: budgets follow what the confirmed orders sold, whoever confirmed them (the
        # callers were checked: action_agency_scope_from_order, or Odoo's own confirmation).
        projects = projects.sudo()
        if not projects:
            return self.browse()
        sold = projects._agency_sold_budgets()
        existing = {(line.project_id.id, line.service_type_id.id, line.milestone_id.id or False):
                    line for line in projects.agency_scope_line_ids}
        vals_list = []
        for key, (hours, amount, _sol) in sold.items():
            line = existing.get(key)
            if not line:
                vals_list.append({"project_id": key[0], "service_type_id": key[1],
                                  "milestone_id": key[2], "budget_from_orders": True,
                                  "sold_hours": hours, "sold_amount": amount})
                continue
            grown_hours, grown_amount = hours - line.sold_hours, amount - line.sold_amount
            if not (float_compare(grown_hours, 0, 2) or float_compare(grown_amount, 0, 2)):
                continue
            values = {"sold_hours": hours, "sold_amount": amount}
            if line.budget_from_orders:
                values.update(budget_hours=max(line.budget_hours + grown_hours, 0.0),
                              budget_amount=max(line.budget_amount + grown_amount, 0.0))
            line.with_context(agency_scope_from_orders=True).write(values)
        # sudo: the same, for the lines it adds.
        return self.sudo().with_context(agency_scope_from_orders=True).create(vals_list)


class SaleOrderScopeAuto(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        res = super().action_confirm()
        # sudo: whether it is a change request (a link salespeople do not read), whoever
        # confirms the order.
        contracts = self.filtered(
            lambda o: o.state == "sale" and not o.sudo().agency_scope_line_id)
        if contracts:
            # sudo: budgets follow what was sold, whoever confirms the order.
            projects = contracts.sudo().project_ids | contracts.sudo().order_line.project_id
            self.env["agency.scope.line"]._agency_follow_orders(projects)
        return res
