"""Contracts (sale orders) in Agency Billing.

Billing models a contract combines, each on its own lines: time and materials (hourly
lines billing rated time), fixed-fee milestones (Odoo's milestone lines) and a
**retainer**: a fee line (a product flagged *retainer fee*, delivered once per period)
and the hours the fee covers each period. Billing runs settle a retainer period before
invoicing: the period's billable time is covered in date order by the hours available
(included + carried in), the rest is billed as overage on the time lines at the rates the
rules give, and unused hours expire or roll over up to a cap. The arithmetic is in
``..lib.retainer``.

Change requests (scope): a quotation linked to a project and a budget line asks the client
to approve extra hours; confirming it (the client signs in the portal) grows the budget and
releases the held time to its lines.

**Who reads what.** The retainer terms (hours per period, rollover, cap) are contract
terms: read by sales and by the billing readers (``groups=CONTRACT_READERS``); the
settled periods and the balance by the billing readers only (``groups=BILLING_READERS``);
the budget line a change request grows by the Agency Billing groups and invoicing
readers. Portal clients reading their orders over RPC get none of them. Who changes them:
``sale_order_guard.py``. See the README's access matrix.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..access import BILLING_READERS, CONTRACT_READERS
from ..lib import retainer

ROLLOVER = [
    ("expire", "Unused hours expire"),
    ("rollover", "Unused hours roll over"),
]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------
    # Billing: retainers, invoice values and lines of billing runs
    # ------------------------------------------------------------------

    retainer_line_id = fields.Many2one(
        "sale.order.line", string="Retainer Fee Line", compute="_compute_retainer_line_id",
        store=True, help="The line billing the retainer fee once per period (its product is "
        "flagged as a retainer fee).",
    )
    retainer_hours = fields.Float(
        string="Hours per Period", digits=(16, 2),
        help="Hours of billable time the retainer fee covers each billing period.",
        groups=CONTRACT_READERS,
    )
    retainer_rollover = fields.Selection(
        ROLLOVER, string="Unused Hours", default="expire", required=True,
        groups=CONTRACT_READERS,
    )
    retainer_rollover_cap = fields.Float(
        string="Rollover Cap (h)", digits=(16, 2),
        help="At most this many unused hours carry to the next period (0: no cap).",
        groups=CONTRACT_READERS,
    )
    retainer_opening_hours = fields.Float(
        string="Opening Balance (h)", digits=(16, 2), copy=False,
        help="Hours carried in to the first period Agency Billing settles (a contract "
        "already running when the agency started with Agency Billing). Set by a billing "
        "administrator before the first period is settled.",
    )
    retainer_period_ids = fields.One2many(
        "agency.retainer.period", "order_id", string="Retainer Periods", readonly=True,
        groups=BILLING_READERS,
    )
    retainer_balance_hours = fields.Float(
        string="Retainer Balance (h)", compute="_compute_retainer_balance", digits=(16, 2),
        help="Hours left in the current period: included plus carried in, minus the "
        "billable time recorded since the last settled period (negative: overage).",
        groups=BILLING_READERS,
    )
    retainer_carried_hours = fields.Float(
        string="Carried In (h)", compute="_compute_retainer_balance", digits=(16, 2),
        groups=BILLING_READERS,
    )
    agency_billing_models = fields.Char(
        string="Billing Models", compute="_compute_agency_billing_models",
        help="Time and materials, fixed-fee milestones, retainer: what this contract's "
        "lines bill.",
    )

    @api.depends("order_line.product_id.agency_retainer_fee", "order_line.display_type")
    def _compute_retainer_line_id(self):
        for order in self:
            order.retainer_line_id = order.order_line.filtered(
                lambda line: not line.display_type and line.product_id.agency_retainer_fee
            )[:1]

    @api.constrains("retainer_hours", "retainer_rollover_cap", "retainer_opening_hours")
    def _check_retainer_hours(self):
        for order in self:
            if min(order.retainer_hours, order.retainer_rollover_cap,
                   order.retainer_opening_hours) < 0:
                raise ValidationError(_("Retainer hours cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        """The one ``create`` of sale orders: retainer figures the user may not set are
        refused (``sale_order_guard``, :meth:`_agency_guard_create`), then Odoo creates."""
        self._agency_guard_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        """The one ``write`` of sale orders: retainer figures the user may not change are
        refused first (``sale_order_guard``, :meth:`_agency_guard_write`), then an opening
        balance is refused once periods are settled."""
        self._agency_guard_write(vals)
        if "retainer_opening_hours" in vals:
            self._agency_check_opening_balance()
        return super().write(vals)

    def _agency_check_opening_balance(self):
        """An opening balance is set only before the first period is settled (later
        periods take their carry-in from the one before); only billing administrators
        set it (sale_order_guard.py)."""
        settled = self.filtered("retainer_period_ids")
        if settled:
            raise UserError(_(
                "%(orders)s already settled retainer periods: their carry-in comes from the "
                "last settled period, not from an opening balance.",
                orders=", ".join(settled.mapped("name"))))

    def _compute_agency_billing_models(self):
        labels = {
            "timesheet": _("Time and materials"),
            "milestones": _("Fixed-fee milestones"),
        }
        for order in self:
            models_ = []
            methods = set(order.order_line.mapped("qty_delivered_method"))
            for method, label in labels.items():
                if method in methods:
                    models_.append(label)
            if order.retainer_line_id:
                models_.append(_("Retainer"))
            order.agency_billing_models = ", ".join(models_) or False

    @api.depends("retainer_hours", "retainer_line_id", "retainer_period_ids.carried_out_hours",
                 "order_line.qty_delivered", "order_line.analytic_line_ids.retainer_period_id")
    def _compute_retainer_balance(self):
        # sudo: the retainer balance (a compute) sums the contract's time, whoever reads it.
        Line = self.env["account.analytic.line"].sudo()
        orders = self.filtered("retainer_line_id")
        used = dict(Line._read_group(
            [("order_id", "in", orders.ids), ("retainer_period_id", "=", False),
             ("is_billable", "=", True), *Line._agency_invoiceable_domain(),
             *Line._agency_not_invoiced_domain()],
            ["order_id"], ["billed_unit_amount:sum"],
        )) if orders else {}
        for order in self:
            if order not in orders:
                order.retainer_balance_hours = order.retainer_carried_hours = 0.0
                continue
            carried = order._agency_retainer_carried_in()
            order.retainer_carried_hours = carried
            order.retainer_balance_hours = order.retainer_hours + carried - used.get(order, 0.0)

    def _agency_last_retainer_period(self):
        self.ensure_one()
        return self.retainer_period_ids.sorted(lambda p: (p.date_to, p.id))[-1:]

    def _agency_retainer_carried_in(self):
        """Hours carried in to the next period: the last period's carry-out, else the
        contract's opening balance."""
        last = self._agency_last_retainer_period()
        return last.carried_out_hours if last else self.retainer_opening_hours

    def _agency_settle_retainer(self, end, start=None, run=None):
        """Settle this retainer's period ending on ``end`` (once): cover its billable
        time, count the overage, carry or expire unused hours, and deliver one more fee.

        The period starts the day after the last settled one (else on ``start``, else on
        its first entry) and covers only the time dated within it: time dated in an
        earlier, settled period is billed at its rate, never swallowed by this one.

        :return: the new agency.retainer.period, or an empty recordset when the period
            is already settled.
        """
        self.ensure_one()
        # sudo: retainer periods are settled by billing runs only (the run is superuser).
        Period = self.env["agency.retainer.period"].sudo()
        last = self._agency_last_retainer_period()
        if last and last.date_to >= end:
            return Period
        if last:
            start = fields.Date.add(last.date_to, days=1)
        # sudo: the retainer settlement (billing runs, superuser) reads the period's time.
        entries = self.env["account.analytic.line"].sudo().search(
            self._agency_retainer_entries_domain(start, end), order="date, id")
        hours = entries.mapped("billed_unit_amount")
        settlement = retainer.settle(
            self.retainer_hours, self._agency_retainer_carried_in(), sum(hours),
            self.retainer_rollover, self.retainer_rollover_cap,
        )
        if not start:
            start = min(entries.mapped("date")) if entries else end
        fee_line = self.retainer_line_id
        period = Period.create({
            "order_id": self.id,
            "run_id": run.id if run else False,
            "date_from": min(start, end),
            "date_to": end,
            "included_hours": settlement.included,
            "carried_in_hours": settlement.carried_in,
            "used_hours": settlement.used,
            "covered_hours": settlement.covered,
            "overage_hours": settlement.overage,
            "carried_out_hours": settlement.carried_out,
            "expired_hours": settlement.expired,
            "fee": fee_line.price_unit,
        })
        covered = retainer.allocate(hours, settlement.available)
        by_value = {}
        for entry, value in zip(entries, covered, strict=True):
            by_value.setdefault(value, []).append(entry.id)
        for value, ids in by_value.items():
            entries.browse(ids).write({"retainer_period_id": period.id, "retainer_hours": value})
        fee_line.qty_delivered = fee_line.qty_delivered + 1
        return period

    def _agency_retainer_entries_domain(self, start, end):
        """Time a settlement of ``start``–``end`` covers (hook): this contract's billable,
        invoiceable entries not invoiced and not settled yet, dated within the period."""
        Line = self.env["account.analytic.line"]
        domain = [
            ("order_id", "=", self.id),
            *Line._agency_not_invoiced_domain(),
            *Line._agency_invoiceable_domain(),
            ("retainer_period_id", "=", False),
            ("is_billable", "=", True),
            ("date", "<=", end),
        ]
        if start:
            domain.append(("date", ">=", start))
        return domain

    # ------------------------------------------------------------------
    # Invoicing by billing runs (context set by agency.billing.run)
    # ------------------------------------------------------------------

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        # Only billing runs, which invoice as superuser, set the review queue's fields: the
        # same context key passed by a caller (over RPC, the invoicing wizard) is ignored.
        run_values = self.env.su and self.env.context.get("agency_invoice_values")
        if run_values:
            values.update(run_values.get(self.partner_id.commercial_partner_id.id) or {})
        return values

    def _get_invoiceable_lines(self, final=False):
        """A milestone run invoices only the milestone lines of the contract."""
        lines = super()._get_invoiceable_lines(final)
        restricted = self.env.context.get("agency_invoice_lines")
        if restricted and self.id in restricted:
            allowed = set(restricted[self.id])
            lines = lines.filtered(lambda line: line.id in allowed)
        return lines

    # ------------------------------------------------------------------
    # Scope: change requests (extra hours a client approves in the portal)
    # ------------------------------------------------------------------

    agency_change_request_project_id = fields.Many2one(
        "project.project", string="Change Request for Project", copy=False,
        index="btree_not_null", readonly=True,
        help="This quotation asks the client to approve extra scope on this project.",
        check_company=True,
    )
    agency_scope_line_id = fields.Many2one(
        "agency.scope.line", string="Budget Line", copy=False, index="btree_not_null",
        ondelete="set null", readonly=True,
        help="The budget line that grows by this change request's hours once accepted.",
        groups=BILLING_READERS, check_company=True,
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
        # sudo: an accepted change request applies however it was confirmed (portal signature
        # included).
        for order in self.sudo().filtered(
            lambda o: o.agency_scope_line_id and not o.agency_change_request_applied
            and o.state == "sale"
        ):
            order.agency_change_request_applied = True
            order.agency_scope_line_id._agency_apply_change_request(order)
