"""Time entries: routing to the sale-order line that bills their service at their rate."""

from odoo import _, api, models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineRouting(models.Model):
    _inherit = "account.analytic.line"

    # ------------------------------------------------------------------
    # Routing to the sale line that bills the entry
    # ------------------------------------------------------------------

    @api.depends("is_billable", "service_type_id", "rate_rule_id", "agency_rate", "rate_locked",
                 "agency_currency_id")
    def _compute_so_line(self):
        lines_map = self._agency_prepare_sale_lines()
        return super(AccountAnalyticLineRouting, self.with_context(agency_sale_lines=lines_map)
                     )._compute_so_line()

    def _timesheet_determine_sale_line(self):
        """Route billable entries rated by a rule (or by hand) to the order line of their
        service at their rate; non-billable ones to none; others as Odoo does."""
        if self.project_id and not self.is_billable:
            return self.env["sale.order.line"]
        key = self._agency_route_key()
        if key:
            lines_map = self.env.context.get("agency_sale_lines")
            if lines_map is None or key not in lines_map:
                lines_map = self._agency_prepare_sale_lines()
            if line_id := lines_map.get(key):
                return self.env["sale.order.line"].browse(line_id)
        return super()._timesheet_determine_sale_line()

    def _agency_route_key(self):
        """(order id, product id, rate) of the sale line that should bill this entry."""
        if not (self.rate_rule_id or self.rate_locked) or not self.is_billable:
            return None
        contract_line = self.task_id.sale_line_id or self.project_id.sale_line_id
        order = contract_line.order_id
        # The service type's product; without a type, the product of the contract line
        # Odoo would bill this time on.
        product = self.service_type_id.product_id or contract_line.product_id
        if not order or not product or order.currency_id != self.agency_currency_id:
            return None
        return (order.id, product.id, order.currency_id.round(self.agency_rate))

    def _agency_prepare_sale_lines(self):
        """Find, or create in one batch, the sale lines the given entries route to.

        :return: {(order id, product id, rate): sale line id}
        """
        todo = self.filtered(
            lambda line: not line.is_so_line_edited and line._is_not_billed()
            and line.project_id.allow_billable
        )
        keys = {key: line for line in todo if (key := line._agency_route_key())}
        if not keys:
            return {}
        mapping = self._agency_find_sale_lines(keys)
        return mapping

    def _agency_find_sale_lines(self, keys):
        """{key: sale line id} for route keys, creating the missing lines in one batch.

        :param keys: {(order id, product id, rate): an entry routed there}
        """
        SaleLine = self.env["sale.order.line"].sudo()
        orders = self.env["sale.order"].sudo().browse({key[0] for key in keys})
        existing = SaleLine.search([
            ("order_id", "in", orders.ids),
            ("product_id", "in", list({key[1] for key in keys})),
            ("display_type", "=", False),
            ("is_downpayment", "=", False),
            ("is_expense", "=", False),
        ], order="sequence, id")
        mapping = {}
        for sol in existing:
            key = (sol.order_id.id, sol.product_id.id, sol.currency_id.round(sol.price_unit))
            mapping.setdefault(key, sol.id)
        vals_list = []
        next_sequence = {order.id: max(order.order_line.mapped("sequence") or [0]) + 1
                         for order in orders}
        for key, line in keys.items():
            if key in mapping:
                continue
            order = orders.browse(key[0])
            if order.state != "sale" or order.locked:
                continue
            vals_list.append(line._agency_sale_line_values(order, key, next_sequence))
        if vals_list:
            created = SaleLine.with_context(
                no_update_allocated_hours=True, sale_no_log_for_new_lines=True
            ).create(vals_list)
            for sol in created:
                mapping[(sol.order_id.id, sol.product_id.id,
                         sol.currency_id.round(sol.price_unit))] = sol.id
            self._agency_log_new_sale_lines(created)
        return mapping

    @api.model
    def _agency_log_new_sale_lines(self, sale_lines):
        """One chatter note per order listing the billing lines rate rules added."""
        bodies = {}
        for sol in sale_lines:
            bodies.setdefault(sol.order_id.id, []).append(f"{sol.name} ({sol.price_unit:.2f})")
        orders = sale_lines.order_id
        orders._message_log_batch(bodies={
            order_id: self.env._("Agency Billing added billing lines for rated time: %s",
                                 ", ".join(lines))
            for order_id, lines in bodies.items()
        })

    def _agency_sale_line_values(self, order, key, next_sequence):
        """Values of a new time-and-materials line billing this entry's rate (hook)."""
        product = self.env["product.product"].browse(key[1])
        # Client-facing (the order and its invoices show it): the service type and the
        # rate's label for clients, never the rule's internal name.
        label = _("adjusted rate") if self.rate_locked or not self.rate_rule_id \
            else self.rate_rule_id._agency_client_label()
        sequence = next_sequence[order.id]
        next_sequence[order.id] += 1
        values = {
            "order_id": order.id,
            "product_id": product.id,
            "name": " – ".join(filter(None, [self.service_type_id.name or product.name, label])),
            "product_uom_qty": 0.0,
            "price_unit": key[2],
            "discount": 0.0,
            "sequence": sequence,
        }
        contract_line = self.task_id.sale_line_id or self.project_id.sale_line_id
        if contract_line.order_id == order:
            # Same project, same analytic accounts as the contract line it sits next to.
            values["analytic_distribution"] = contract_line.analytic_distribution
        sibling = next((sol for sol in order.order_line
                        if sol.product_id == product and not sol.display_type), None)
        if sibling:
            # Same product on the same order: same taxes, unit and lead time (saves Odoo
            # computing them line by line when rules add many lines at once).
            values.update(tax_id=[(6, 0, sibling.tax_id.ids)],
                          product_uom=sibling.product_uom.id,
                          customer_lead=sibling.customer_lead)
        if product.service_tracking != "no":
            values["project_id"] = self.project_id.id  # never spawn a project
        return values

