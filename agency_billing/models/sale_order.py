from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------
    # Scope: change requests (extra hours a client approves in the portal)
    # ------------------------------------------------------------------

    agency_change_request_project_id = fields.Many2one(
        "project.project", string="Change Request for Project", copy=False,
        index="btree_not_null", readonly=True,
        help="This quotation asks the client to approve extra scope on this project.",
    )
    agency_scope_line_id = fields.Many2one(
        "agency.scope.line", string="Budget Line", copy=False, index="btree_not_null",
        ondelete="set null", readonly=True,
        help="The budget line that grows by this change request's hours once accepted.",
    )
    agency_change_request_hours = fields.Float(
        string="Extra Hours", compute="_compute_agency_change_request_hours", digits=(16, 2),
    )
    agency_change_request_applied = fields.Boolean(
        copy=False, readonly=True,
        help="The budget grew and the held time was released (done once, at confirmation).",
    )

    @api.depends("order_line.product_uom_qty", "order_line.product_uom")
    def _compute_agency_change_request_hours(self):
        for order in self:
            order.agency_change_request_hours = order._agency_change_request_hours()

    def _agency_change_request_hours(self):
        """Hours sold by this order's time-based lines."""
        self.ensure_one()
        hour = self.env.ref("uom.product_uom_hour")
        return sum(
            sol.product_uom._compute_quantity(sol.product_uom_qty, hour, round=False)
            for sol in self.order_line
            if not sol.display_type and sol.product_uom.category_id == hour.category_id
        )

    def action_confirm(self):
        res = super().action_confirm()
        self._agency_apply_change_requests()
        return res

    def _agency_apply_change_requests(self):
        """Accepted change requests grow their budget line and release its held time."""
        for order in self.sudo().filtered(
            lambda o: o.agency_scope_line_id and not o.agency_change_request_applied
            and o.state == "sale"
        ):
            order.agency_change_request_applied = True
            order.agency_scope_line_id._agency_apply_change_request(order)
