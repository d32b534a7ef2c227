"""Customer invoices: what the invoice report and mails show about the work billed."""

from datetime import timedelta

from markupsafe import Markup

from odoo import _, fields, models
from odoo.tools import format_date

from ..constants import DETAIL_LEVELS
from ..lib import invoice_report, rating


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveReport(models.Model):
    _inherit = "account.move"

    # What the invoice report and mails show
    # ------------------------------------------------------------------

    def _agency_days_overdue(self):
        self.ensure_one()
        if not self.invoice_date_due:
            return 0
        return max((self.company_id._agency_billing_today() - self.invoice_date_due).days, 0)

    def _agency_pay_url(self):
        """Portal link that opens the payment form ("Pay now")."""
        self.ensure_one()
        return self.get_portal_url(anchor="portal_pay", query_string="&payment=True")

    def _agency_projects(self):
        """The projects this invoice bills: those of its time entries and milestones;
        for lines that bill neither (a retainer fee, a fixed price), the open projects of
        those contract lines. A finished project of the same contract is not named on an
        invoice that bills nothing of it."""
        self.ensure_one()
        # sudo: what the invoice PDF shows its reader (a portal client included): the work
        # behind this invoice only.
        move = self.sudo()
        entries = move.timesheet_ids
        milestones = move.billing_milestone_ids
        projects = entries.project_id | milestones.project_id
        billed_lines = entries.so_line | milestones.sale_line_id
        other_lines = move.invoice_line_ids.sale_line_ids.filtered(
            lambda sol: sol not in billed_lines and not sol.is_downpayment)
        if other_lines:
            # The projects of those contract lines, else of their contracts (sudo above).
            candidates = other_lines.project_id or other_lines.order_id.project_ids
            open_projects = candidates.filtered(lambda p: not p.agency_closed)
            # A closed project is named only when nothing else names the work billed.
            projects |= open_projects or (candidates if not projects else candidates.browse())
        return projects.with_env(self.env)

    def _agency_report_data(self):
        """Everything the invoice PDF shows about the work behind this invoice, as plain
        values: projects, period, milestones, deliverables, retainer, and the time at the
        client's detail level (billed and raw). Hook: extend to show more."""
        self.ensure_one()
        # sudo: the invoice PDF's data (the reader was allowed the invoice by the report).
        move = self.sudo()
        entries = move.timesheet_ids.sorted(lambda e: (e.date, e.id))
        projects = move._agency_projects()
        if not (entries or move.billing_run_id or move.retainer_period_ids
                or move.billing_milestone_ids):
            return {}
        days = entries.mapped("date")
        start = move.billing_period_start or (min(days) if days else False)
        end = move.billing_period_end or (max(days) if days else False)
        level = move.agency_detail_level or "summary"
        rows, totals = move._agency_time_rows(entries, level)
        return {
            "level": level,
            "level_label": dict(DETAIL_LEVELS).get(level),
            "projects": projects.mapped("display_name"),
            "start": start,
            "end": end,
            "po": move.ref,
            "milestones": move._agency_reached_milestones(projects, start, end),
            "deliverables": move._agency_deliverables(projects, start, end),
            "retainers": [period._report_values() for period in move.retainer_period_ids],
            "rows": rows,
            "totals": totals,
            "show_time": level != "summary" and bool(entries),
            "show_covered": any(row["covered"] for row in rows),
            # Person names only in the annex, and only when the client says so.
            "show_names": level == "annex" and move.commercial_partner_id.invoice_show_names,
            "untaxed": move.amount_untaxed,
            "other_amount": move.currency_id.round(move.amount_untaxed - totals["amount"]),
        }

    def _agency_reached_milestones(self, projects, start, end):
        milestones = self.billing_milestone_ids
        if projects and end:
            domain = [("project_id", "in", projects.ids), ("is_reached", "=", True),
                      ("reached_date", "<=", end)]
            if start:
                domain.append(("reached_date", ">=", start))
            # sudo: milestones of this invoice's projects reached in its period (shown on the
            # PDF).
            milestones |= self.env["project.milestone"].sudo().search(domain)
        return [{"name": m.name, "project": m.project_id.name, "date": m.reached_date}
                for m in milestones.sorted(lambda m: (m.reached_date or end, m.id))]

    def _agency_deliverables(self, projects, start, end, limit=20):
        """Tasks of the invoiced projects closed as done within the period."""
        if not projects or not end:
            return []
        domain = [("project_id", "in", projects.ids), ("state", "=", "1_done"),
                  ("date_last_stage_update", "<", fields.Datetime.to_datetime(end)
                   + timedelta(days=1))]
        if start:
            domain.append(("date_last_stage_update", ">=", fields.Datetime.to_datetime(start)))
        # sudo: deliverables (tasks done) of this invoice's projects in its period (shown on the
        # PDF).
        tasks = self.env["project.task"].sudo().search(domain, limit=limit, order="id")
        return tasks.mapped("name")

    def _agency_time_rows(self, entries, level):
        """(rows, totals) of the time table at a detail level; each row has raw and billed
        hours, hours covered by a retainer and the amount invoiced: each time line's
        subtotal spread over its entries (``lib.invoice_report``), so the table adds up
        to the invoice, discounts and rounding included."""
        lines = self.invoice_line_ids.filtered(lambda aml: aml.display_type == "product")
        line_totals = {}  # by sale line: what the invoice bills on it
        for line in lines:
            for sol in line.sale_line_ids:
                line_totals[sol.id] = line_totals.get(sol.id, 0.0) + line.price_subtotal
        plain = [invoice_report.TimeEntry(
            key=entry.id, date=entry.date, who=entry.employee_id.name or "",
            role=entry.job_id.name or "", task=entry.task_id.name or "",
            service_type=entry.service_type_id.name or "", label=entry.name or "",
            raw=entry.unit_amount, billed=entry.billed_unit_amount,
            covered=entry.retainer_hours,
            rate=rating.net_rate(entry.billing_rate, entry.billing_discount),
            line=entry.so_line.id if entry.so_line.id in line_totals else None,
        ) for entry in entries]
        amounts = invoice_report.entry_amounts(plain, line_totals,
                                               self.currency_id.rounding or 0.01)
        missing = {"service_type": self.env._("Unclassified"),
                   "role": self.env._("No role"), "task": self.env._("No task")}.get(level, "")
        return invoice_report.time_rows(plain, amounts, level, missing)

    def _agency_mail_context(self):
        """A few lines about the work billed, for the mail templates."""
        self.ensure_one()
        data = self._agency_report_data()
        if not data:
            return ""
        parts = []
        if len(data["projects"]) == 1:
            parts.append(_("Project: %s", data["projects"][0]))
        elif data["projects"]:
            parts.append(_("Projects: %s", ", ".join(data["projects"])))
        if data["start"] and data["end"]:
            parts.append(_("Period: %(start)s – %(end)s",
                           start=format_date(self.env, data["start"]),
                           end=format_date(self.env, data["end"])))
        if data["milestones"]:
            parts.append(_("Milestones reached: %s",
                           ", ".join(m["name"] for m in data["milestones"])))
        for period in data["retainers"]:
            parts.append(_("Retainer balance: %s h carried to the next period",
                           format(period['carried_out'], ".2f")))
        return Markup("<br/>").join(parts)
