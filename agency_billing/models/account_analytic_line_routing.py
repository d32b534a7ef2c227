"""Time entries: routing to the sale-order line that bills their service at their rate."""

from collections import defaultdict

from odoo import _, api, models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineRouting(models.Model):
    _inherit = "account.analytic.line"

    # ------------------------------------------------------------------
    # Routing to the sale line that bills the entry
    # ------------------------------------------------------------------

    # Computes only find sale lines; the lines missing for new (service, rate) pairs are
    # added by ``_agency_route_missing``, a batched step of ``create``, ``write`` and
    # re-rating (and of the task and project writes that move time), never for a NewId.

    @api.depends("is_billable", "service_type_id", "rate_rule_id", "agency_rate", "rate_locked",
                 "agency_currency_id")
    def _compute_so_line(self):
        entries = self.filtered("project_id")
        for line in self - entries:
            # Not a time entry of a project (e.g. a re-invoiced expense of sale_expense,
            # which sets its own sale line): left as it is.
            line.so_line = line.so_line
        if not entries:
            return None
        # Each entry's route, worked out once for the batch (not again line by line).
        route_of = entries._agency_route_of()
        keys = {}
        for line in entries:
            if key := route_of.get(line.id):
                keys.setdefault(key, line)
        found = self._agency_find_sale_lines(keys, create=False) if keys else {}
        lines_map = {key: found.get(key) for key in keys}
        return super(AccountAnalyticLineRouting, entries.with_context(
            agency_sale_lines=lines_map, agency_route_of=route_of))._compute_so_line()

    def _timesheet_determine_sale_line(self):
        """Route billable entries rated by a rule (or by hand) to the order line of their
        service at their rate; non-billable ones to none; others as Odoo does. Finds
        lines only: until ``_agency_route_missing`` adds a missing one, Odoo's choice
        stands."""
        if self.project_id and not self.is_billable:
            return self.env["sale.order.line"]
        route_of = self.env.context.get("agency_route_of")
        if route_of is not None and self.id in route_of:
            key = route_of[self.id]
        else:
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

    def _agency_route_of(self):
        """{entry id: (order id, product id, rate) or None} of the open entries the
        rules route (not those whose sale line was chosen by hand)."""
        return {
            line.id: line._agency_route_key() for line in self
            if not line.is_so_line_edited and line._is_not_billed()
            and line.project_id.allow_billable
        }

    def _agency_route_keys(self):
        """{(order id, product id, rate): an entry routed there} of the open entries
        that the rules route (not those whose sale line was chosen by hand)."""
        route_of = self._agency_route_of()
        keys = {}
        for line in self:
            if key := route_of.get(line.id):
                keys.setdefault(key, line)
        return keys

    def _agency_prepare_sale_lines(self):
        """Find the sale lines the given entries route to (never creates any).

        :return: {(order id, product id, rate): sale line id, or None when the order has
            no such line yet}
        """
        keys = self._agency_route_keys()
        if not keys:
            return {}
        found = self._agency_find_sale_lines(keys, create=False)
        return {key: found.get(key) for key in keys}

    def _agency_route_missing(self, new=False):
        """Add, in one batch, the sale lines these entries route to that the orders do
        not have yet, and route the entries to them (hook: the batched step of create,
        write and re-rating; computes only find lines). Entries not saved yet (NewId,
        onchanges) never get a line.

        :param new: the entries were created in this very call (nothing depends yet on
            the sale line Odoo chose for them)
        """
        # sudo: the rules' own step (as their computes, which run as superuser): reads
        # the entries' contracts whether or not the person recording time may.
        entries = self.sudo().filtered(lambda line: line.id and line.project_id)
        if not entries:
            return
        route_of = entries._agency_route_of()
        keys = {}
        for line in entries:
            if key := route_of.get(line.id):
                keys.setdefault(key, line)
        if not keys:
            return
        created = {}
        self._agency_find_sale_lines(keys, created=created)
        if not created:
            return
        # Entries whose sale line was already chosen (before the line existed) move to
        # it now, as their compute would route them; the others find it when their
        # pending computation runs.
        field = self._fields["so_line"]
        moves = defaultdict(list)
        for line in entries:
            target = created.get(route_of.get(line.id))
            if target and not self.env.is_to_compute(field, line) and line.so_line.id != target:
                moves[target].append(line.id)
        if not moves:
            return
        stale = entries.browse([line_id for ids in moves.values() for line_id in ids])
        if not new:
            stale.modified(["so_line"], before=True)
        with self.env.protecting([field], stale):
            for target, ids in moves.items():
                entries.browse(ids).so_line = entries.env["sale.order.line"].browse(target)
        stale.modified(["so_line"])

    def _check_can_create(self):
        # hr_timesheet calls this on the new entries right after inserting them (Odoo
        # has chosen their sale line while inserting them, before the lines their rates
        # need exist): the batched routing step of create runs here, before anything
        # else reads their sale line.
        res = super()._check_can_create()
        self._agency_route_missing(new=True)
        return res

    @api.model
    def _agency_route_open_entries(self, domain):
        """The batched routing step for the open entries matching ``domain`` (after a
        task or project changed how they are billed)."""
        # sudo: called after the caller wrote the task or project these entries belong
        # to; only their routing (rules' own decision) follows.
        entries = self.sudo().search([("project_id", "!=", False), *domain,
                                      "|", ("timesheet_invoice_id", "=", False),
                                      ("timesheet_invoice_id.state", "=", "cancel")])
        entries._agency_route_missing()

    def _agency_find_sale_lines(self, keys, create=True, created=None):
        """{key: sale line id} for route keys; with ``create``, the missing lines (on
        confirmed, unlocked orders) are created in one batch and noted on their orders.

        :param keys: {(order id, product id, rate): an entry routed there}
        :param created: optional dict, filled with {key: sale line id} of lines created
        """
        # sudo: route keys come from the rules (rate, service product, the entry's own
        # contract); the sale lines are searched, and created, as the rules' own step,
        # whether or not the person recording time may read or edit the order.
        SaleLine = self.env["sale.order.line"].sudo()
        orders = self.env["sale.order"].sudo().browse({key[0] for key in keys})
        existing = SaleLine.search([
            ("order_id", "in", orders.ids),
            ("product_id", "in", list({key[1] for key in keys})),
            ("display_type", "=", False),
            ("is_downpayment", "=", False),
            ("is_expense", "=", False),
            # An extra revision round's line bills that round's time only.
            ("agency_round_id", "=", False),
        ], order="sequence, id")
        mapping = {}
        for sol in existing:
            key = (sol.order_id.id, sol.product_id.id, sol.currency_id.round(sol.price_unit))
            mapping.setdefault(key, sol.id)
        if not create:
            return mapping
        vals_list = []
        missing = [(key, line) for key, line in keys.items() if key not in mapping]
        if not missing:
            return mapping
        next_sequence = {order.id: max(order.order_line.mapped("sequence") or [0]) + 1
                         for order in orders.browse({key[0] for key, _line in missing})}
        for key, line in missing:
            order = orders.browse(key[0])
            if order.state != "sale" or order.locked:
                continue
            vals_list.append(line._agency_sale_line_values(order, key, next_sequence))
        if vals_list:
            new_lines = SaleLine.with_context(
                no_update_allocated_hours=True, sale_no_log_for_new_lines=True
            ).create(vals_list)
            for sol in new_lines:
                key = (sol.order_id.id, sol.product_id.id, sol.currency_id.round(sol.price_unit))
                mapping[key] = sol.id
                if created is not None:
                    created[key] = sol.id
            self._agency_log_new_sale_lines(new_lines)
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

