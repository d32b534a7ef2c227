"""Scope budget lines: what a project may burn per service type (and milestone).

A line holds the hours and/or the amount sold for one service type of a project
(optionally for one milestone), what its billable time has burned against them, the day
it will be used up at the recent burn rate, and the alert thresholds it has crossed.
Time entries burn the most specific line: the line of their service type and their
task's milestone when there is one, otherwise the line of their service type without
milestone. The arithmetic is in :mod:`..lib.scope`; this model gathers records, runs
grouped queries and writes results in batch.

Files by concern (each an ``_inherit`` of this model): this one holds the fields, burn,
forecast and validation; ``agency_scope_line_over_scope``, ``agency_scope_line_alert``
(alerts and the daily cron), ``agency_scope_line_change_request`` (change requests and
held time).
"""

from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from ..lib import scope

# Computed together from two grouped queries over the time entries.
FIGURE_FIELDS = (
    "burn_hours", "burn_amount", "held_hours", "held_amount", "over_scope_hours",
    "absorbed_hours", "remaining_hours", "remaining_amount", "burn_percent",
    "burn_percent_hours", "burn_percent_amount", "first_entry_date", "recent_burn_hours",
    "forecast_date", "forecast_overrun", "status",
)


class AgencyScopeLine(models.Model):
    """One line of a project's scope budget (see the module docstring)."""

    _name = "agency.scope.line"
    _description = "Scope Budget Line"
    _order = "project_id, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    project_id = fields.Many2one(
        "project.project", required=True, ondelete="cascade", index=True, check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True,
        help="The project's company (or its analytic account's): its scope settings apply.",
    )
    partner_id = fields.Many2one(related="project_id.partner_id", string="Client")
    service_type_id = fields.Many2one(
        "agency.service.type", required=True, ondelete="restrict", index=True,
        check_company=True,
    )
    milestone_id = fields.Many2one(
        "project.milestone", ondelete="restrict", index="btree_not_null",
        domain="[('project_id', '=', project_id)]",
        help="Only time on this milestone's tasks burns this line.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Sold On", compute="_compute_budget_defaults", store=True,
        readonly=False, ondelete="set null", check_company=True,
        help="The sale order line the budget comes from.",
    )
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", store=True, readonly=False,
        help="Currency of the project's sale order: time entries are rated in it.",
    )
    budget_hours = fields.Float(
        compute="_compute_budget_defaults", store=True, readonly=False, digits=(16, 2),
        help="Hours sold for this service type; defaults from the sale order.",
    )
    budget_amount = fields.Monetary(
        compute="_compute_budget_defaults", store=True, readonly=False,
        help="Amount sold for this service type (or milestone); defaults from the sale "
        "order. Leave at zero to budget in hours only.",
    )
    # Burn and forecast (see FIGURE_FIELDS).
    burn_hours = fields.Float(compute="_compute_figures", store=True, digits=(16, 2),
                              help="Billed hours of the billable time burning this line.")
    burn_amount = fields.Monetary(compute="_compute_figures", store=True,
                                  help="Billed amount of that time, at its rated rates.")
    held_hours = fields.Float(compute="_compute_figures", store=True, digits=(16, 2),
                              help="Billed hours held (not invoiced) until released.")
    held_amount = fields.Monetary(compute="_compute_figures", store=True)
    over_scope_hours = fields.Float(
        compute="_compute_figures", store=True, digits=(16, 2),
        help="Billed hours recorded after the line was used up (billed or held).",
    )
    absorbed_hours = fields.Float(
        compute="_compute_figures", store=True, digits=(16, 2),
        help="Hours recorded after the line was used up and absorbed (not billed).",
    )
    remaining_hours = fields.Float(compute="_compute_figures", store=True, digits=(16, 2))
    remaining_amount = fields.Monetary(compute="_compute_figures", store=True)
    burn_percent = fields.Float(
        string="Burn (%)", compute="_compute_figures", store=True, digits=(16, 2),
        help="The highest of the hours and amount burned, in % of their budgets.",
    )
    burn_percent_hours = fields.Float(string="Hours Burn (%)", compute="_compute_figures",
                                      store=True, digits=(16, 2))
    burn_percent_amount = fields.Float(string="Amount Burn (%)", compute="_compute_figures",
                                       store=True, digits=(16, 2))
    first_entry_date = fields.Date(compute="_compute_figures", store=True)
    recent_burn_hours = fields.Float(
        string="Recent Burn (h/day)", compute="_compute_figures", store=True, digits=(16, 2),
        help="Billed hours per day over the forecast window.",
    )
    forecast_date = fields.Date(
        compute="_compute_figures", store=True,
        help="The day the line will be used up at its recent burn rate.",
    )
    forecast_overrun = fields.Boolean(
        compute="_compute_figures", store=True,
        help="The line will be used up before the project's end date.",
    )
    status = fields.Selection(scope.STATUSES, compute="_compute_figures", store=True, index=True)
    # Alerts
    alerted_threshold = fields.Integer(
        copy=False, readonly=True,
        help="Highest threshold (%) already alerted; armed again when the budget grows.",
    )
    forecast_alerted = fields.Boolean(copy=False, readonly=True)
    last_alert_date = fields.Datetime(copy=False, readonly=True)
    last_alert_summary = fields.Char(copy=False, readonly=True)
    evaluated_on = fields.Date(
        copy=False, readonly=True, help="Last day the scope cron evaluated this line."
    )
    alert_user_id = fields.Many2one(
        "res.users", string="Alerted User", compute="_compute_alert_user_id",
        help="The project's Account Director, else its project manager.",
    )
    change_request_ids = fields.One2many(
        "sale.order", "agency_scope_line_id", string="Change Requests", readonly=True
    )
    change_request_count = fields.Integer(compute="_compute_change_request_count")

    # ------------------------------------------------------------------
    # Display
    # ------------------------------------------------------------------

    @api.depends("project_id", "service_type_id", "milestone_id")
    def _compute_display_name(self):
        for line in self:
            name = line.service_type_id.name or ""
            if line.milestone_id:
                name = f"{name} · {line.milestone_id.name}"
            line.display_name = f"{line.project_id.name or ''} — {name}"

    @api.depends("project_id.company_id", "project_id.account_id.company_id")
    def _compute_company_id(self):
        for line in self:
            line.company_id = line.project_id._agency_company()

    @api.depends("project_id.sale_line_id.order_id.currency_id", "company_id")
    def _compute_currency_id(self):
        for line in self:
            line.currency_id = (line.project_id.sale_line_id.order_id.currency_id
                                or line.company_id.currency_id)

    @api.depends("project_id.account_director_id", "project_id.user_id")
    def _compute_alert_user_id(self):
        for line in self:
            line.alert_user_id = line.project_id._agency_alert_user()

    def _compute_change_request_count(self):
        # sudo: a count shown on the budget line; change-request quotations are sale orders the
        # reader may not open.
        groups = self.env["sale.order"].sudo()._read_group(
            [("agency_scope_line_id", "in", self.ids)], ["agency_scope_line_id"], ["__count"]
        )
        counts = {line.id: count for line, count in groups}
        for line in self:
            line.change_request_count = counts.get(line.id, 0)

    # ------------------------------------------------------------------
    # Budget defaults from what the sale order sold
    # ------------------------------------------------------------------

    @api.depends("project_id", "service_type_id", "milestone_id")
    def _compute_budget_defaults(self):
        sold = self.project_id._agency_sold_budgets()
        for line in self:
            key = (line.project_id._origin.id, line.service_type_id._origin.id,
                   line.milestone_id._origin.id or False)
            hours, amount, sale_line = sold.get(key, (0.0, 0.0, False))
            line.budget_hours = hours
            line.budget_amount = amount
            line.sale_line_id = sale_line

    # ------------------------------------------------------------------
    # Burn, forecast, status: two grouped queries for any number of lines
    # ------------------------------------------------------------------

    @api.depends("project_id", "service_type_id", "milestone_id", "budget_hours",
                 "budget_amount", "project_id.date", "project_id.agency_scope_thresholds",
                 "company_id.agency_scope_thresholds", "company_id.agency_scope_forecast_days")
    def _compute_figures(self):
        today = fields.Date.context_today(self)
        burns = self._agency_burn(today)
        thresholds = {}
        values = {}
        for line in self:
            burn = burns.get(line.id) or _Burn()
            project = line.project_id
            if project not in thresholds:
                thresholds[project] = project._agency_scope_thresholds()
            values[line] = line._agency_figures(burn, today, thresholds[project])
        for line, vals in values.items():
            line.update(vals)

    def _agency_figures(self, burn, today, thresholds):
        """Figures of this line from its burn (a :class:`_Burn`)."""
        self.ensure_one()
        budget_h, budget_a = self.budget_hours, self.budget_amount
        percent_h = scope.share(burn.hours, budget_h) or 0.0
        percent_a = scope.share(burn.amount, budget_a) or 0.0
        percent = scope.burn_percent(burn.hours, burn.amount, budget_h, budget_a)
        remaining_h, remaining_a = budget_h - burn.hours, budget_a - burn.amount
        days, all_recent = scope.forecast_window(today, burn.first_date,
                                                 self.company_id.agency_scope_forecast_days
                                                 or 28)
        recent_h, recent_a = (burn.hours, burn.amount) if all_recent else burn.recent
        forecast = scope.forecast_date(
            today, [(remaining_h, budget_h), (remaining_a, budget_a)], [recent_h, recent_a], days
        )
        end = self.project_id.date
        overrun = bool(forecast and end and forecast < end)
        status = scope.line_status(budget_h, budget_a, percent, overrun, thresholds)
        return {
            "burn_hours": burn.hours,
            "burn_amount": burn.amount,
            "held_hours": burn.held_hours,
            "held_amount": burn.held_amount,
            "over_scope_hours": burn.over_hours,
            "absorbed_hours": burn.absorbed_hours,
            "remaining_hours": round(remaining_h, 6),
            "remaining_amount": self.currency_id.round(remaining_a) if self.currency_id
            else remaining_a,
            "burn_percent": percent,
            "burn_percent_hours": percent_h,
            "burn_percent_amount": percent_a,
            "first_entry_date": burn.first_date or False,
            "recent_burn_hours": round(recent_h / days, 4) if days else 0.0,
            "forecast_date": forecast or False,
            "forecast_overrun": overrun,
            "status": status,
        }

    def _agency_burn(self, today):
        """{line id: _Burn} of these lines: one grouped query over all their time, one over
        the recent time (per company), one over their sibling milestone lines."""
        keys = {}
        for line in self:
            key = (line.project_id._origin.id, line.service_type_id._origin.id,
                   line.milestone_id._origin.id or False)
            if key[0] and key[1]:
                keys.setdefault(key, []).append(line.id)
        if not keys:
            return {}
        project_ids = list({key[0] for key in keys})
        type_ids = list({key[1] for key in keys})
        # Which (project, type, milestone) have a line of their own, beyond these.
        own = set(keys)
        # sudo: the burn of a line depends on the other lines of its project (milestones),
        # whoever reads it.
        for project, stype, milestone in self.sudo()._read_group(
            [("project_id", "in", project_ids), ("milestone_id", "!=", False)],
            ["project_id", "service_type_id", "milestone_id"],
        ):
            own.add((project.id, stype.id, milestone.id))

        def target(project_id, type_id, milestone_id):
            if milestone_id and (project_id, type_id, milestone_id) in own:
                return keys.get((project_id, type_id, milestone_id), [])
            return keys.get((project_id, type_id, False), [])

        # sudo: burn sums the project's time (grouped, no entry shown) whoever reads the budget.
        Entry = self.env["account.analytic.line"].sudo()
        burns = defaultdict(_Burn)
        convert = self._agency_amount_converter(today)
        base = [("project_id", "in", project_ids), ("service_type_id", "in", type_ids)]
        for (project, stype, milestone, billable, held, over, policy, currency, hours, amount,
             raw, first) in Entry._read_group(
            base + ["|", ("is_billable", "=", True), ("over_scope_policy", "=", "absorbed")],
            ["project_id", "service_type_id", "milestone_id", "is_billable",
             "billing_hold", "over_scope", "over_scope_policy", "agency_currency_id"],
            ["billed_unit_amount:sum", "billed_amount:sum", "unit_amount:sum", "date:min"],
        ):
            for line_id in target(project.id, stype.id, milestone.id):
                burns[line_id].add(billable, held, over, policy, hours,
                                   convert(amount, currency, line_id), raw, first)
        # Recent burn over each company's forecast window (usually a single query).
        windows = defaultdict(set)
        for line in self:
            windows[line.company_id.agency_scope_forecast_days or 28].add(line.id)
        for days, line_ids in windows.items():
            since = today - timedelta(days=days - 1)
            for project, stype, milestone, currency, hours, amount in Entry._read_group(
                base + [("is_billable", "=", True), ("date", ">=", since)],
                ["project_id", "service_type_id", "milestone_id", "agency_currency_id"],
                ["billed_unit_amount:sum", "billed_amount:sum"],
            ):
                for line_id in target(project.id, stype.id, milestone.id):
                    if line_id in line_ids:
                        burns[line_id].add_recent(hours, convert(amount, currency, line_id))
        return burns

    def _agency_amount_converter(self, today):
        """convert(amount, currency, line id): an amount of time rated in another currency
        than the line's (time of another contract on the same project), in the line's
        currency at today's rate of the line's company — amounts of different currencies
        are never added as they are."""
        lines = {line.id: line for line in self}
        factors = {}

        def convert(amount, currency, line_id):
            line = lines[line_id]
            if not amount or not currency or not line.currency_id \
                    or currency == line.currency_id:
                return amount
            key = (currency.id, line.currency_id.id, line.company_id.id)
            if key not in factors:
                factors[key] = currency._convert(1.0, line.currency_id, line.company_id,
                                                 today, round=False)
            return amount * factors[key]

        return convert

    def _agency_refresh_burn(self):
        """Recompute the burn, forecast and status of these lines now (grouped queries),
        and let what depends on them (the projects' totals) follow."""
        if not self:
            return
        for fname in FIGURE_FIELDS:
            self.env.add_to_compute(self._fields[fname], self)
        self._recompute_recordset(FIGURE_FIELDS)
        self.modified(FIGURE_FIELDS)

    def _agency_siblings(self):
        """All the budget lines of these lines' projects (burn moves between them)."""
        # sudo: burn moves between the lines of a project; all of them are refreshed.
        return self.sudo().search([("project_id", "in", self.project_id.ids)])

    def _agency_entry_domain(self):
        """Domain of the time entries burning this line (billable or not)."""
        self.ensure_one()
        domain = [("project_id", "=", self.project_id.id),
                  ("service_type_id", "=", self.service_type_id.id)]
        if self.milestone_id:
            return domain + [("milestone_id", "=", self.milestone_id.id)]
        # sudo: the duplicate check sees every line of the project, also those of other
        # companies' users.
        others = self.sudo().search([
            ("project_id", "=", self.project_id.id),
            ("service_type_id", "=", self.service_type_id.id),
            ("milestone_id", "!=", False),
        ]).milestone_id
        if others:
            domain += ["|", ("task_id", "=", False),
                       ("milestone_id", "not in", others.ids)]
        return domain

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    @api.constrains("budget_hours", "budget_amount")
    def _check_budget_not_negative(self):
        for line in self:
            if line.budget_hours < 0 or line.budget_amount < 0:
                raise ValidationError(_(
                    "The budget of %(line)s cannot be negative (%(hours)s h, %(amount)s).",
                    line=line.display_name, hours=line.budget_hours, amount=line.budget_amount,
                ))

    @api.constrains("project_id", "service_type_id", "milestone_id")
    def _check_line(self):
        used = self.project_id._agency_used_service_types()
        for line in self:
            if line.milestone_id and line.milestone_id.project_id != line.project_id:
                raise ValidationError(_(
                    "The milestone %(milestone)s is not a milestone of the project %(project)s.",
                    milestone=line.milestone_id.name, project=line.project_id.name,
                ))
            if line.service_type_id.id not in used.get(line.project_id.id, set()):
                raise ValidationError(_(
                    "The project %(project)s never uses the service type %(type)s: it is not "
                    "sold on its sale order, it is neither the project's nor a task's service "
                    "type, and no time of that type is recorded on it.",
                    project=line.project_id.name, type=line.service_type_id.name,
                ))
        groups = self._read_group(
            [("project_id", "in", self.project_id.ids)],
            ["project_id", "service_type_id", "milestone_id"], ["__count"],
        )
        for project, stype, milestone, count in groups:
            if count > 1:
                raise ValidationError(_(
                    "The project %(project)s has two budget lines for %(type)s%(milestone)s: "
                    "keep one.",
                    project=project.name, type=stype.name,
                    milestone=_(" (milestone %s)", milestone.name) if milestone else "",
                ))

    # ------------------------------------------------------------------
    # Changes: siblings follow, a grown budget re-arms its alerts
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if not self.env.context.get("agency_scope_skip"):
            siblings = lines._agency_siblings()
            (siblings - lines)._agency_refresh_burn()
            lines._agency_evaluate_alerts()
        return lines

    def write(self, vals):
        """The one ``write`` of budget lines: a budget edited by a person stops following
        the orders (``agency_scope_line_auto``, :meth:`_agency_budget_edit_vals`); then
        Odoo writes, and the lines left and joined refresh their burn, a grown budget
        re-arms its alerts and the alerts are evaluated (this file)."""
        vals = self._agency_budget_edit_vals(vals)
        budget_keys = {"budget_hours", "budget_amount"} & vals.keys()
        before = {line.id: (line.budget_hours, line.budget_amount) for line in self} \
            if budget_keys else {}
        moved = {"project_id", "service_type_id", "milestone_id"} & vals.keys()
        old_siblings = self._agency_siblings() if moved else self.browse()
        res = super().write(vals)
        if self.env.context.get("agency_scope_skip"):
            return res
        if moved:
            (old_siblings | self._agency_siblings())._agency_refresh_burn()
        grown = self.filtered(
            lambda line: line.id in before and (
                float_compare(line.budget_hours, before[line.id][0], precision_digits=2) > 0
                or float_compare(line.budget_amount, before[line.id][1], precision_digits=2) > 0
            )
        )
        grown._agency_rearm()
        if budget_keys or moved:
            self._agency_evaluate_alerts()
        return res

    def unlink(self):
        siblings = self._agency_siblings() - self
        res = super().unlink()
        siblings.exists()._agency_refresh_burn()
        return res

    def _agency_rearm(self):
        """After the budget grew: thresholds above the new burn percentage may alert again,
        and so may the forecast."""
        for line in self:
            thresholds = line.project_id._agency_scope_thresholds()
            line.with_context(agency_scope_skip=True).write({
                "alerted_threshold": scope.alerted_after_growth(thresholds, line.burn_percent),
                "forecast_alerted": False,
            })

    # ------------------------------------------------------------------

class _Burn:
    """What the time of one budget line adds up to (filled from grouped queries)."""

    __slots__ = ("hours", "amount", "held_hours", "held_amount", "over_hours",
                 "absorbed_hours", "first_date", "recent")

    def __init__(self):
        self.hours = self.amount = self.held_hours = self.held_amount = 0.0
        self.over_hours = self.absorbed_hours = 0.0
        self.first_date = None
        self.recent = (0.0, 0.0)

    def add(self, billable, held, over, policy, hours, amount, raw, first):
        if not billable:
            if policy == "absorbed":
                self.absorbed_hours += raw
            return
        self.hours += hours
        self.amount += amount
        if held:
            self.held_hours += hours
            self.held_amount += amount
        if over:
            self.over_hours += hours
        if first and (not self.first_date or first < self.first_date):
            self.first_date = first

    def add_recent(self, hours, amount):
        self.recent = (self.recent[0] + hours, self.recent[1] + amount)
