"""Revision rounds: how an extra round reaches an invoice.

- *bill*, fixed price: a line "Homepage design — revision round 3 (2 included)" (qty 1,
  invoiced on order) is added to the contract when the round starts; the next billing run
  invoices it through Odoo's own invoicing, so it is invoiced once, however often runs go.
- *bill*, hourly: before each billing run invoices a contract, the open time entries of
  the deliverable's tasks logged during the extra round are routed to a line of the round
  at their rate (the contract's rates), so time in included rounds stays where it was.
- *ask first*: a change request (quotation, signed in the portal) is drafted for the round
  and the round's time is held until it is accepted; accepted → billed as above (fixed: the
  change request's own line), declined → the time stays held, never billed.
- *absorb*: the round is recorded, nothing is billed.

On a time-and-materials contract the time of the deliverable's tasks is billed by the hour
through the contract's delivered-timesheet lines. Before each billing run, the open time of
an absorbed round, or of a round billed at a fixed price, is held with its own reason
(``COVERED_PREFIX``): the fixed line already bills the round, an absorbed round is not
billed at all. Invoiced time is never touched; held time is not held twice.
"""

from collections import defaultdict

from odoo import _, fields, models

HOLD_PREFIX = "revision-round:"
# Time of a round billed at a fixed price or absorbed: never billed by the hour.
COVERED_PREFIX = "revision-round-covered:"


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyDeliverableRoundBilling(models.Model):
    _inherit = "agency.deliverable.round"

    def _agency_after_start(self):
        """What a new round sets in motion (hook)."""
        for rnd in self.sudo():
            if rnd.state == "to_bill" and rnd.deliverable_id.extra_round_pricing == "fixed":
                rnd._agency_add_fixed_line(rnd.deliverable_id.sale_order_id)
            elif rnd.state == "to_approve":
                rnd._agency_create_change_request()
                rnd._agency_hold_time()

    # ------------------------------------------------------------------
    # Billing lines
    # ------------------------------------------------------------------

    def _agency_extra_round_product(self):
        deliverable = self.deliverable_id
        return deliverable.extra_round_product_id or self.env.ref(
            "agency_billing.product_extra_revision_round")

    def _agency_fixed_line_values(self, order):
        """Values of the line billing this round at the deliverable's fixed price (hook)."""
        product = self._agency_extra_round_product()
        deliverable = self.deliverable_id
        values = {
            "order_id": order.id,
            "product_id": product.id,
            "name": self.label,
            "product_uom_qty": 1.0,
            "price_unit": deliverable.extra_round_price,
            "discount": 0.0,
            "agency_round_id": self.id,
            "sequence": max(order.order_line.mapped("sequence") or [0]) + 1,
        }
        if deliverable.sale_line_id.analytic_distribution:
            values["analytic_distribution"] = deliverable.sale_line_id.analytic_distribution
        return values

    def _agency_add_fixed_line(self, order):
        """Add the round's fixed-price line to ``order`` (the contract, or an accepted
        change request keeps its own line); once."""
        self.ensure_one()
        if self.sale_line_id:
            return self.sale_line_id
        line = self.env["sale.order.line"].sudo().with_context(
            sale_no_log_for_new_lines=True).create(self._agency_fixed_line_values(order))
        self.sale_line_id = line
        order._message_log(body=_("Extra revision round added for billing: %(line)s.",
                                  line=line.name))
        return line

    def _agency_route_hourly(self, orders):
        """Route the open, unheld time of the hourly extra rounds of ``orders`` to a line of
        each round at the entry's rate (added when missing). Time of included rounds is
        left where it is."""
        candidates = self.sudo().search([
            ("deliverable_id.sale_order_id", "in", orders.ids),
            ("deliverable_id.extra_round_pricing", "=", "hourly"),
            ("state", "in", ("to_bill", "approved", "billed")),
        ])
        if not candidates:
            return
        Entry = self.env["account.analytic.line"].sudo()
        by_round = candidates._agency_entries_by_round()
        lines = {}  # (round id, product id, rate) -> sale line
        for sol in self.env["sale.order.line"].sudo().search(
                [("agency_round_id", "in", candidates.ids)]):
            lines.setdefault((sol.agency_round_id.id, sol.product_id.id,
                              sol.currency_id.round(sol.price_unit)), sol)
        moves = defaultdict(list)
        for rnd in candidates:
            order = rnd.deliverable_id.sale_order_id
            for entry in by_round.get(rnd.id, Entry):
                if not entry.is_billable or entry.billing_hold or not entry._is_not_billed():
                    continue
                product = entry.service_type_id.product_id or entry.so_line.product_id \
                    or order.order_line[:1].product_id
                if not product:
                    continue
                key = (rnd.id, product.id, order.currency_id.round(entry.agency_rate))
                if key not in lines:
                    lines[key] = rnd._agency_add_hourly_line(order, product, key[2])
                if entry.so_line != lines[key]:
                    moves[lines[key]].append(entry.id)
        for sol, ids in moves.items():
            Entry.browse(ids).write({"so_line": sol.id, "is_so_line_edited": True})

    def _agency_add_hourly_line(self, order, product, rate):
        """A delivered-time line of this round at ``rate`` (hook)."""
        self.ensure_one()
        values = {
            "order_id": order.id,
            "product_id": product.id,
            "name": self.label,
            "product_uom_qty": 0.0,
            "price_unit": rate,
            "discount": 0.0,
            "agency_round_id": self.id,
            "sequence": max(order.order_line.mapped("sequence") or [0]) + 1,
        }
        if product.service_tracking != "no":
            values["project_id"] = self.deliverable_id.project_id.id  # never spawn a project
        line = self.env["sale.order.line"].sudo().with_context(
            sale_no_log_for_new_lines=True, no_update_allocated_hours=True).create(values)
        if not self.sale_line_id:
            self.sale_line_id = line
        return line

    def _agency_link_invoiced(self, moves):
        """Rounds billed by ``moves``: link their first invoice line, mark them billed."""
        inv_lines = moves.invoice_line_ids.filtered(
            lambda line: line.sale_line_ids.agency_round_id)
        for inv_line in inv_lines:
            for rnd in inv_line.sale_line_ids.agency_round_id.sudo():
                if not rnd.invoice_line_id:
                    rnd.write({"invoice_line_id": inv_line.id, "state": "billed"})

    # ------------------------------------------------------------------
    # Ask first: change request and held time
    # ------------------------------------------------------------------

    def _agency_hold_reason(self):
        return _("%(prefix)s%(id)s %(label)s: waiting for the client's approval",
                 prefix=HOLD_PREFIX, id=self.id, label=self.label)

    def _agency_hold_time(self):
        """Hold the open time of the rounds waiting for the client (or declined)."""
        by_round = self._agency_entries_by_round()
        for rnd in self:
            entries = by_round.get(rnd.id, self.env["account.analytic.line"]).sudo().filtered(
                lambda e: not e.billing_hold and e._is_not_billed())
            if entries:
                entries.write({"billing_hold": True,
                               "billing_hold_reason": rnd._agency_hold_reason()})

    def _agency_release_time(self):
        """Release the time these rounds held."""
        for rnd in self:
            held = self.env["account.analytic.line"].sudo().search([
                ("billing_hold", "=", True),
                ("billing_hold_reason", "=like", f"{HOLD_PREFIX}{rnd.id} %"),
            ])
            if held:
                held.write({"billing_hold": False, "billing_hold_reason": False})

    def _agency_covered_reason(self):
        if self.state == "absorbed":
            return _("%(prefix)s%(id)s %(label)s: absorbed by the agency, not billed",
                     prefix=COVERED_PREFIX, id=self.id, label=self.label)
        return _("%(prefix)s%(id)s %(label)s: billed at its fixed price, not by the hour",
                 prefix=COVERED_PREFIX, id=self.id, label=self.label)

    def _agency_hold_covered_time(self):
        """Hold the open time these rounds logged on hourly (delivered-timesheet) lines:
        the round is absorbed, or billed by its fixed-price line."""
        by_round = self._agency_entries_by_round()
        for rnd in self:
            entries = by_round.get(rnd.id, self.env["account.analytic.line"]).sudo().filtered(
                lambda e: not e.billing_hold and e._is_not_billed() and e.so_line
                and e.so_line.qty_delivered_method == "timesheet"
                and e.so_line.product_id.invoice_policy == "delivery")
            if entries:
                entries.write({"billing_hold": True,
                               "billing_hold_reason": rnd._agency_covered_reason()})

    def _agency_create_change_request(self):
        """Draft the change request (quotation the client signs in the portal) for this
        extra round: its fixed price, or by the hour at the contract's rates."""
        self.ensure_one()
        deliverable = self.deliverable_id
        contract = deliverable.sale_order_id
        project = deliverable.project_id
        values = {
            "partner_id": contract.partner_id.id,
            "agency_deliverable_round_id": self.id,
            "agency_change_request_project_id": project.id or False,
            "project_id": project.id or False,
            "require_signature": True,
            "require_payment": False,
            "origin": contract.name,
            "client_order_ref": contract.client_order_ref or False,
            "pricelist_id": contract.pricelist_id.id,
            "partner_invoice_id": contract.partner_invoice_id.id,
            "partner_shipping_id": contract.partner_shipping_id.id,
            "company_id": contract.company_id.id,
            "user_id": (deliverable._agency_alert_user() or self.env.user).id,
        }
        lines = [{"display_type": "line_section", "name": self.label}]
        if deliverable.extra_round_pricing == "fixed":
            line = self._agency_fixed_line_values(contract)
            line.pop("order_id")
            line.pop("sequence")
            lines.append(line)
        else:
            lines.append({"display_type": "line_note", "name": _(
                "Billed by the hour at the contract's rates: the time logged on %(name)s "
                "during this round.", name=deliverable.name)})
        values["order_line"] = [fields.Command.create(vals) for vals in lines]
        order = self.env["sale.order"].sudo().create(values)
        self.change_request_id = order
        deliverable.message_post(body=_(
            "Change request %(order)s drafted for %(label)s; its time is held until the "
            "client accepts.", order=order.name, label=self.label),
            subtype_xmlid="mail.mt_note")
        return order

    def _agency_change_request_accepted(self, order):
        """The client accepted the change request: the round is billed, its time released
        (by the hour), or kept out of hourly billing (fixed price: the change request's line
        is the round's price)."""
        for rnd in self.sudo().filtered(lambda r: r.state in ("to_approve", "declined")):
            values = {"state": "approved"}
            if rnd.deliverable_id.extra_round_pricing == "fixed":
                values["sale_line_id"] = order.order_line.filtered(
                    lambda line, r=rnd: line.agency_round_id == r)[:1].id
            rnd.write(values)
            rnd._agency_release_time()
            if rnd.deliverable_id.extra_round_pricing == "fixed":
                rnd._agency_hold_covered_time()
            rnd.deliverable_id.message_post(body=_(
                "Change request %(order)s accepted: %(label)s is billed.",
                order=order.name, label=rnd.label), subtype_xmlid="mail.mt_note")

    def _agency_change_request_declined(self, order):
        """The client declined: the round's time stays held, never billed silently."""
        for rnd in self.sudo().filtered(lambda r: r.state == "to_approve"):
            rnd.state = "declined"
            rnd._agency_hold_time()
            rnd.deliverable_id.message_post(body=_(
                "Change request %(order)s declined: the time of %(label)s stays held.",
                order=order.name, label=rnd.label), subtype_xmlid="mail.mt_note")

    def _agency_prepare_billing(self, orders):
        """Before a billing run invoices ``orders``: hold the time of rounds waiting for
        the client, add the missing fixed lines, route the hourly rounds' time, hold the
        hourly time of absorbed and fixed-price rounds."""
        rnds = self.sudo().search([("deliverable_id.sale_order_id", "in", orders.ids),
                                   ("is_extra", "=", True)])
        rnds.filtered(lambda r: r.state in ("to_approve", "declined"))._agency_hold_time()
        for rnd in rnds.filtered(lambda r: r.state == "to_bill" and not r.sale_line_id
                                 and r.deliverable_id.extra_round_pricing == "fixed"):
            rnd._agency_add_fixed_line(rnd.deliverable_id.sale_order_id)
        self._agency_route_hourly(orders)
        rnds.filtered(lambda r: r.state == "absorbed" or (
            r.state in ("to_bill", "approved", "billed")
            and r.deliverable_id.extra_round_pricing == "fixed"))._agency_hold_covered_time()
