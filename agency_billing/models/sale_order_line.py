from collections import defaultdict

from odoo import api, models
from odoo.osv import expression
from odoo.tools import float_round


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.depends("analytic_line_ids.billed_unit_amount", "analytic_line_ids.billing_hold",
                 "analytic_line_ids.retainer_hours", "analytic_line_ids.classification_method")
    def _compute_qty_delivered(self):
        return super()._compute_qty_delivered()

    def _timesheet_compute_delivered_quantity_domain(self):
        """Held time and time waiting to be classified is not delivered until released
        (or classified). When Odoo recomputes what is left to invoice over a period
        (``_recompute_qty_to_invoice``), only the entries not invoiced count, per the
        entry's own definition (a partly credited invoice gives back only what it
        credited)."""
        Line = self.env["account.analytic.line"]
        domain = expression.AND([super()._timesheet_compute_delivered_quantity_domain(),
                                 Line._agency_invoiceable_domain()])
        if self.env.context.get("agency_to_invoice"):
            domain = expression.AND([domain, Line._agency_not_invoiced_domain()])
        return domain

    def _recompute_qty_to_invoice(self, start_date, end_date):
        return super(SaleOrderLine, self.with_context(agency_to_invoice=True)
                     )._recompute_qty_to_invoice(start_date, end_date)

    def _get_delivered_quantity_by_analytic(self, additional_domain):
        """Timesheet lines deliver the billed (rounded) time of their entries, not the raw
        time; other lines keep Odoo's computation."""
        timesheet_lines = self.filtered(
            lambda sol: sol.qty_delivered_method == "timesheet"
            or sol.product_id._is_delivered_timesheet()
        )
        result = super(SaleOrderLine, self - timesheet_lines)._get_delivered_quantity_by_analytic(
            additional_domain
        )
        if timesheet_lines:
            result.update(timesheet_lines._agency_delivered_billed_time(additional_domain))
        return result

    def _agency_delivered_billed_time(self, additional_domain):
        """{sale line id: billed time in the line's unit} over the matching entries (hook).

        Time a retainer covered (``retainer_hours``) is delivered by the retainer fee, not
        by the time line: it is left out. Billed time is summed exactly and converted (and
        rounded to the line's unit) once per line, never per entry.

        What is left to invoice (``_recompute_qty_to_invoice``) is the rounded cumulative
        time — the time invoiced before plus the time to invoice now — less the rounded
        time invoiced before, so a line invoiced week after week bills its delivered time
        rounded once: rounding never accumulates over its invoices.
        """
        exact = self._agency_billed_time_exact(additional_domain)
        if not self.env.context.get("agency_to_invoice"):
            return {line.id: line._agency_round_qty(qty) for line, qty in exact.items()}
        Line = self.env["account.analytic.line"]
        invoiced_domain = expression.AND([
            self.with_context(agency_to_invoice=False
                              )._timesheet_compute_delivered_quantity_domain(),
            ["!", *Line._agency_not_invoiced_domain()],
        ])
        before = self._agency_billed_time_exact(invoiced_domain)
        result = {}
        for line, qty in exact.items():
            done = before.get(line, 0.0)
            result[line.id] = line._agency_round_qty(
                line._agency_round_qty(done + qty) - line._agency_round_qty(done))
        return result

    def _agency_billed_time_exact(self, additional_domain):
        """{sale line: billed time of the matching entries in the line's unit, exact}."""
        result = defaultdict(float)
        domain = expression.AND([[("so_line", "in", self.ids)], additional_domain])
        # sudo: delivered quantity (a compute) sums the billed time of the line, whoever reads
        # it.
        groups = self.env["account.analytic.line"].sudo()._read_group(
            domain, ["product_uom_id", "so_line"],
            ["billed_unit_amount:sum", "retainer_hours:sum"],
        )
        for uom, sale_line, billed, covered in groups:
            quantity = billed - covered
            if uom and sale_line.product_uom.category_id == uom.category_id:
                quantity = uom._compute_quantity(quantity, sale_line.product_uom, round=False)
            result[sale_line] += quantity
        return result

    def _agency_round_qty(self, quantity):
        """A quantity rounded to the line's unit (half up), as Odoo converts it."""
        self.ensure_one()
        return float_round(quantity, precision_rounding=self.product_uom.rounding or 0.01,
                           rounding_method="HALF-UP")
