"""Customer invoices: what the client reads (line descriptions, hours, payment terms).

Odoo's invoicing copies each sale line's description onto its invoice line; the sale
lines rate rules add for routing are named after the rule, and one sale line can carry
time of several service types sharing a product. Once an invoice is drafted (and when its
detail level changes) its lines are relabelled from what they bill: the service types of
the time behind them, the roles or tasks at the client's detail level, the rate's
client-facing label when one service is billed at several rates, milestones as a share
of their fee, the retainer fee with its period and the hours it covered. Rule names and
reasons stay on the time entries and in the invoice's *Billing Review* tab.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import format_date, formatLang

from ..lib import invoice_text


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveClient(models.Model):
    _inherit = "account.move"

    @api.depends("partner_id")
    def _compute_invoice_payment_term_id(self):
        """Client invoices without payment terms of their client's take the company's
        default (e.g. 30 days), never "due on the day of issue" by accident."""
        res = super()._compute_invoice_payment_term_id()
        for move in self:
            if move.is_sale_document(include_receipts=False) and not move.invoice_payment_term_id:
                move.invoice_payment_term_id = move.company_id.agency_payment_term_id
        return res

    def _agency_hours_text(self, hours):
        """Hours in the company's format (decimal or hh:mm), as the PDF and portal print
        them."""
        company = self.company_id or self.env.company
        return invoice_text.format_hours(hours, company.agency_hours_format or "decimal")

    def _agency_label_lines(self):
        """Relabel the product lines of these draft customer invoices from what they bill
        (hook: a line a person wants worded otherwise can be edited afterwards)."""
        moves = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "draft")
        if not moves:
            return
        time_rows = moves._agency_label_time_rows()
        periods = moves._agency_label_retainer_periods()
        names = {}
        for move in moves:
            names.update(move._agency_time_labels(time_rows.get(move.id, {})))
            for line in move.invoice_line_ids.filtered(lambda ml: ml.display_type == "product"):
                sol = line.sale_line_ids[:1]
                if not sol:
                    continue
                if sol.qty_delivered_method == "milestones":
                    names[line] = move._agency_milestone_label(line, sol)
                elif sol == sol.order_id.retainer_line_id and periods.get(sol.order_id):
                    names[line] = move._agency_retainer_label(sol, periods[sol.order_id])
        by_name = defaultdict(lambda: self.env["account.move.line"])
        for line, name in names.items():
            if name and name != line.name:
                by_name[name] |= line
        # A label changes no amount, tax or due date: no need for Odoo to re-synchronise
        # the invoices' tax and payment-term lines after each of these writes.
        for name, lines in by_name.items():
            lines.with_context(check_move_validity=False, skip_invoice_sync=True).write(
                {"name": name})

    def _agency_label_time_rows(self):
        """{move id: {sale line id: [(service type, role, task, rule, hours)]}} of the time
        these invoices bill (one grouped query)."""
        # sudo: the labels of an invoice's lines sum its own time (grouped), whoever builds the
        # invoice.
        groups = self.env["account.analytic.line"].sudo()._read_group(
            [("timesheet_invoice_id", "in", self.ids), ("so_line", "!=", False)],
            ["timesheet_invoice_id", "so_line", "service_type_id", "job_id", "task_id",
             "rate_rule_id"],
            ["billed_unit_amount:sum"],
        )
        rows = defaultdict(lambda: defaultdict(list))
        for move, sol, stype, job, task, rule, hours in groups:
            rows[move.id][sol.id].append((stype, job, task, rule, hours))
        return rows

    def _agency_time_labels(self, rows_by_sol):
        """{invoice line: label} of this invoice's time lines."""
        self.ensure_one()
        lines = []
        for line in self.invoice_line_ids.filtered(lambda ml: ml.display_type == "product"):
            sol = line.sale_line_ids[:1]
            rows = rows_by_sol.get(sol.id)
            if not rows:
                continue
            hours = defaultdict(float)
            for stype, _job, _task, _rule, amount in rows:
                hours[stype] += amount
            types = sorted(hours, key=lambda t: (-hours[t], t.sequence, t.id))
            rules = {rule for _s, _j, _t, rule, _h in rows}
            lines.append({
                "key": line,
                "types": [t.name for t in types if t] or [sol.product_id.name],
                "roles": sorted({job.name for _s, job, _t, _r, _h in rows if job}),
                "tasks": sorted({task.name for _s, _j, task, _r, _h in rows if task}),
                "rate_label": next(iter(rules))._agency_client_label()
                if len(rules) == 1 and next(iter(rules)) else "",
                "price": formatLang(self.env, line.price_unit),
            })
        return invoice_text.time_line_labels(
            lines, self.agency_detail_level or "summary", at_price=self.env._("at %s/h"))

    def _agency_milestone_label(self, line, sol):
        """"Design approved – 50 % of 12,000.00": the milestones this line bills."""
        # sudo: the milestones this invoice line bills, for its label (read only).
        milestones = sol.sudo().reached_milestones_ids.filtered(
            lambda m: m.agency_invoice_id in (self, self.browse()))
        fee = sol.price_unit * (sol.product_uom_qty or 1.0)
        percent = line.quantity / (sol.product_uom_qty or 1.0) * 100
        names = milestones.sorted(lambda m: (m.reached_date or fields.Date.today(), m.id))
        return invoice_text.milestone_label(
            names.mapped("name") or [sol.product_id.name], percent,
            formatLang(self.env, fee), template=self.env._("%(names)s – %(share)s %% of %(fee)s"))

    def _agency_label_retainer_periods(self):
        """{order: retainer period} the retainer fee lines of these invoices bill: the
        period linked to the invoice, else the latest one not invoiced yet."""
        orders = self.invoice_line_ids.sale_line_ids.order_id.filtered("retainer_line_id")
        if not orders:
            return {}
        # sudo: the retainer period the fee line bills, for its label (read only).
        periods = self.env["agency.retainer.period"].sudo().search(
            [("order_id", "in", orders.ids),
             "|", ("invoice_id", "=", False), ("invoice_id", "in", self.ids)],
            order="date_to desc, id desc")
        result = {}
        for period in periods:
            result.setdefault(period.order_id, period)
        return result

    def _agency_retainer_label(self, sol, period):
        """The retainer fee with the period it pays and the hours it covered."""
        return self.env._(
            "%(fee)s – %(start)s to %(end)s: %(included)s h included, %(covered)s h covered",
            fee=(sol.name or sol.product_id.name).split("\n")[0],
            start=format_date(self.env, period.date_from),
            end=format_date(self.env, period.date_to),
            included=self._agency_hours_text(period.included_hours + period.carried_in_hours),
            covered=self._agency_hours_text(period.covered_hours),
        )

    def _agency_relabel_written(self, vals):
        """Step of ``write`` (see the model's main file), after it: a new detail level
        relabels the invoice's lines."""
        if "agency_detail_level" in vals:
            self._agency_label_lines()

    @api.model
    def _agency_label_new_invoices(self, moves):
        """Relabel invoices just drafted from sale orders (see sale.order)."""
        moves._agency_label_lines()
        return moves


class AccountMoveLineClient(models.Model):
    _inherit = "account.move.line"

    agency_rate_note = fields.Char(
        string="Rates Applied", compute="_compute_agency_rate_note",
        help="Back office only: the rate rules behind the time this line bills (the client "
        "reads the line's description).",
    )

    def _compute_agency_rate_note(self):
        moves = self.move_id.filtered("id")
        # sudo: the rate note of an invoice line sums the invoice's own time (grouped).
        groups = self.env["account.analytic.line"].sudo()._read_group(
            [("timesheet_invoice_id", "in", moves.ids), ("so_line", "in",
                                                         self.sale_line_ids.ids)],
            ["timesheet_invoice_id", "so_line", "rate_rule_id"], ["billed_unit_amount:sum"],
        ) if moves else []
        notes = {}
        for move, sol, rule, hours in groups:
            name = rule.display_name if rule else self.env._("contract price")
            notes.setdefault((move.id, sol.id), []).append(f"{name} ({hours:.2f} h)")
        for line in self:
            key = (line.move_id.id, line.sale_line_ids[:1].id)
            line.agency_rate_note = "; ".join(notes.get(key, [])) or False

    def _agency_quantity_text(self):
        """How the quantity of this line reads on the invoice when Odoo's "0.50 Units"
        would not say it: the share of a milestone fee (else False)."""
        self.ensure_one()
        sol = self.sale_line_ids[:1]
        if sol.qty_delivered_method != "milestones" or not sol.product_uom_qty:
            return False
        share = f"{self.quantity / sol.product_uom_qty * 100:.2f}".rstrip("0").rstrip(".")
        return f"{share} %"
