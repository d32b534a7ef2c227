"""Time entries: invoiced or not, held out of invoicing, given back by a credit note.

One definition for the whole addon of what "not invoiced" means, agreeing with Odoo's
``sale_timesheet`` (``_timesheet_domain_get_invoiced_lines``: an entry is open again when
its invoice is cancelled or reversed) and going one step further for partial credit
notes: an entry a credit note gave back (``agency_credit_note_id``) is open again, and
the next invoice that bills it clears the mark. Everything that asks whether time is
still to invoice (billing runs, retainers, re-rating, held time, anomaly checks) asks
here.

Held time — over scope, held by hand, or waiting to be classified — is one API too:
``_agency_on_hold_domain`` and ``_agency_held_time``.
"""

from odoo import api, fields, models
from odoo.osv import expression

from ..access import BILLING_READERS
from ..lib import dates

# Where a time entry stands in billing (``agency_billing_status``), as the lists say it.
BILLING_STATUSES = [
    ("to_invoice", "To invoice"),
    ("to_classify", "Waiting for service type"),
    ("held", "Held"),
    ("non_billable", "Not billable"),
    ("invoiced", "Invoiced"),
]


class HeldTime:
    """Held time of some contracts, grouped per contract, day and kind (``hold``: held
    by hand or over scope; ``review``: waiting to be classified); totals per contract set
    and period end."""

    def __init__(self, rows):
        # rows: [(order id, day, kind, entries, hours, entry ids)]
        self.rows = rows

    def total(self, order_ids, end=None, kind=None):
        """(entries, hours, entry ids) held on these contracts up to ``end``."""
        count, hours, ids = 0, 0.0, []
        for order_id, day, row_kind, n, amount, row_ids in self.rows:
            if order_id in order_ids and (not end or day <= end) \
                    and (kind is None or row_kind == kind):
                count += n
                hours += amount
                ids += row_ids
        return count, hours, sorted(ids)


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineInvoicing(models.Model):
    _inherit = "account.analytic.line"

    agency_credit_note_id = fields.Many2one(
        "account.move", string="Given Back By", copy=False, readonly=True,
        index="btree_not_null", ondelete="set null",
        help="The credit note that credited this entry: it is billable again and the next "
        "invoice bills it (it stays linked to the credited invoice until then).",
    )

    agency_billing_status = fields.Selection(
        BILLING_STATUSES, string="Billing Status", compute="_compute_agency_billing_status",
        help="Where the entry stands in billing, and why it is not billed yet: an entry "
        "waiting for its service type has no rate and no billed amount until classified.",
        groups=BILLING_READERS,
    )

    @api.depends("timesheet_invoice_id", "agency_credit_note_id", "classification_method",
                 "billing_hold", "is_billable")
    def _compute_agency_billing_status(self):
        # sudo: whether the entry's invoice still bills it (cancelled, reversed, credited),
        # for readers of time who may not read invoices (an Account Director).
        for line, line_su in zip(self, self.sudo(), strict=True):
            if not line_su._is_not_billed():
                status = "invoiced"
            elif line.classification_method == "review":
                status = "to_classify"
            elif line.billing_hold:
                status = "held"
            elif not line.is_billable:
                status = "non_billable"
            else:
                status = "to_invoice"
            line.agency_billing_status = status

    # ------------------------------------------------------------------
    # Invoiced or not
    # ------------------------------------------------------------------

    @api.model
    def _agency_not_invoiced_domain(self):
        """Entries not invoiced (hook): never linked to an invoice, or linked to one that
        was cancelled or reversed (Odoo's own rule), or given back by a credit note."""
        return [
            "|", "|", "|",
            ("timesheet_invoice_id", "=", False),
            "&", ("timesheet_invoice_id.state", "=", "cancel"),
            ("timesheet_invoice_id.payment_state", "!=", "invoicing_legacy"),
            ("timesheet_invoice_id.payment_state", "=", "reversed"),
            ("agency_credit_note_id", "!=", False),
        ]

    def _is_not_billed(self):
        """Odoo's predicate, extended like the domain above: entries of a reversed invoice
        and entries a credit note gave back are open again (re-ratable, billable)."""
        return (super()._is_not_billed() or bool(self.agency_credit_note_id)
                or self.timesheet_invoice_id.payment_state == "reversed")

    def _agency_invoice_link_vals(self, vals):
        """Step of ``write`` (see the model's main file): entries linked to (or unlinked
        from) an invoice are billed again, or open anyway, whatever a credit note gave
        back — the values to write (the mark is cleared only where an entry has it: a
        write of an unchanged field still costs its dependencies' traversal)."""
        # sudo: the mark is read whoever links the time (Odoo links as superuser).
        if "timesheet_invoice_id" in vals and "agency_credit_note_id" not in vals \
                and any(line.agency_credit_note_id for line in self.sudo()):
            return dict(vals, agency_credit_note_id=False)
        return vals

    # ------------------------------------------------------------------
    # Held out of invoicing
    # ------------------------------------------------------------------

    @api.model
    def _agency_invoiceable_domain(self):
        """Entries that may be delivered and invoiced (hook): not held (over scope, by
        hand) and classified (an entry that needs its service type decided waits)."""
        return [("billing_hold", "=", False), ("classification_method", "!=", "review")]

    @api.model
    def _agency_on_hold_domain(self):
        """Open entries held out of invoicing: held, or waiting to be classified."""
        return expression.AND([
            self._agency_not_invoiced_domain(),
            ["|", ("billing_hold", "=", True), ("classification_method", "=", "review")],
        ])

    def _agency_is_invoiceable(self):
        """Python twin of ``_agency_invoiceable_domain`` for one entry."""
        self.ensure_one()
        return not self.billing_hold and self.classification_method != "review"

    @api.model
    def _agency_held_time(self, orders):
        """Held time not invoiced of these contracts (one grouped query).

        :return: a :class:`HeldTime` to total per contracts and period end; ``hold`` is
            raw time held by hand or over scope, ``review`` raw time waiting to be
            classified (an entry both held and unclassified counts as held).
        """
        if not orders:
            return HeldTime([])
        # sudo: held and unclassified time of these contracts (grouped), for runs and flags.
        groups = self.sudo()._read_group(
            [("order_id", "in", orders.ids), *self._agency_on_hold_domain()],
            ["order_id", "date:day", "billing_hold"],
            ["__count", "unit_amount:sum", "id:array_agg"],
        )
        rows = [(order.id, day, "hold" if held else "review", count, hours, ids)
                for order, day, held, count, hours, ids in groups]
        return HeldTime(rows)

    def _agency_entry_labels(self, limit=5):
        """Short names of some entries (date, who, what) for run messages."""
        labels = [f"{line.date} {line.employee_id.name or ''}: {line.name or ''}".strip()
                  for line in self[:limit]]
        if len(self) > limit:
            labels.append(self.env._("and %s more", len(self) - limit))
        return labels

    def _agency_uncovered_quantity(self, sale_line):
        """Billed time of this entry a time line bills (not covered by a retainer), in
        the sale line's unit."""
        self.ensure_one()
        hours = self.billed_unit_amount - self.retainer_hours
        uom = self.product_uom_id
        if uom and sale_line.product_uom and uom.category_id == sale_line.product_uom.category_id:
            return uom._compute_quantity(hours, sale_line.product_uom, round=False)
        return hours

    # ------------------------------------------------------------------
    # Dates of imported time
    # ------------------------------------------------------------------

    @api.model
    def _agency_entry_date(self, moment, employee=None):
        """The date of a time entry worked at ``moment`` (a UTC datetime, as vendors send
        it; naive means UTC): the calendar day in the employee's time zone, else the
        company's. Importers take entry dates from here, never from the UTC date."""
        company = (employee.company_id if employee else None) or self.env.company
        zone = dates.first_zone(employee.tz if employee else None, company._agency_tz())
        return dates.local_date(fields.Datetime.to_datetime(moment), zone)
