"""Scope budget lines: what a project may burn per service type (and milestone).

A line holds the hours and/or the amount sold for one service type of a project
(optionally for one milestone), what its billable time has burned against them, the day
it will be used up at the recent burn rate, and the alert thresholds it has crossed.
Time entries burn the most specific line: the line of their service type and their
task's milestone when there is one, otherwise the line of their service type without
milestone. The arithmetic is in :mod:`..lib.scope`; this model gathers records, runs
grouped queries and writes results in batch.
"""

from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, format_amount, format_date

from ..lib import rating, scope
from .account_analytic_line import _Converter

# Computed together from two grouped queries over the time entries.
FIGURE_FIELDS = (
    "burn_hours", "burn_amount", "held_hours", "held_amount", "over_scope_hours",
    "absorbed_hours", "remaining_hours", "remaining_amount", "burn_percent",
    "burn_percent_hours", "burn_percent_amount", "first_entry_date", "recent_burn_hours",
    "forecast_date", "forecast_overrun", "status",
)


def check_thresholds(env, text, label):
    """Raise a ValidationError saying what is wrong with thresholds (used by constraints)."""
    try:
        return scope.parse_thresholds(text)
    except scope.ThresholdError as error:
        messages = {
            "empty": env._("Give at least one alert threshold for %(what)s, e.g. 75,90,100.",
                       what=label),
            "number": env._("The alert thresholds of %(what)s must be whole percentages "
                        "separated by commas (not %(value)s).", what=label, value=error.value),
            "range": env._("The alert thresholds of %(what)s must be between 1%% and 200%% (not "
                       "%(value)s%%).", what=label, value=error.value),
            "order": env._("The alert thresholds of %(what)s must be increasing (%(value)s%% "
                       "comes after a higher or equal one).", what=label, value=error.value),
        }
        raise ValidationError(messages[error.code])


class AgencyScopeLine(models.Model):
    """One line of a project's scope budget (see the module docstring)."""

    _name = "agency.scope.line"
    _description = "Scope Budget Line"
    _order = "project_id, sequence, id"

    sequence = fields.Integer(default=10)
    project_id = fields.Many2one(
        "project.project", required=True, ondelete="cascade", index=True,
    )
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True,
        help="The project's company (or its analytic account's): its scope settings apply.",
    )
    partner_id = fields.Many2one(related="project_id.partner_id", string="Client")
    service_type_id = fields.Many2one(
        "agency.service.type", required=True, ondelete="restrict", index=True,
    )
    milestone_id = fields.Many2one(
        "project.milestone", ondelete="restrict", index="btree_not_null",
        domain="[('project_id', '=', project_id)]",
        help="Only time on this milestone's tasks burns this line.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Sold On", compute="_compute_budget_defaults", store=True,
        readonly=False, ondelete="set null",
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
        if not scope.has_budget(budget_h, budget_a):
            status = "none"
        elif percent >= 100.0:
            status = "over"
        elif overrun or (thresholds and percent >= thresholds[0]):
            status = "risk"
        else:
            status = "ok"
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
        for project, stype, milestone in self.sudo()._read_group(
            [("project_id", "in", project_ids), ("milestone_id", "!=", False)],
            ["project_id", "service_type_id", "milestone_id"],
        ):
            own.add((project.id, stype.id, milestone.id))

        def target(project_id, type_id, milestone_id):
            if milestone_id and (project_id, type_id, milestone_id) in own:
                return keys.get((project_id, type_id, milestone_id), [])
            return keys.get((project_id, type_id, False), [])

        Entry = self.env["account.analytic.line"].sudo()
        burns = defaultdict(_Burn)
        base = [("project_id", "in", project_ids), ("service_type_id", "in", type_ids)]
        for (project, stype, milestone, billable, held, over, policy, hours, amount, raw,
             first) in Entry._read_group(
            base + ["|", ("is_billable", "=", True), ("over_scope_policy", "=", "absorbed")],
            ["project_id", "service_type_id", "milestone_id", "is_billable",
             "billing_hold", "over_scope", "over_scope_policy"],
            ["billed_unit_amount:sum", "billed_amount:sum", "unit_amount:sum", "date:min"],
        ):
            for line_id in target(project.id, stype.id, milestone.id):
                burns[line_id].add(billable, held, over, policy, hours, amount, raw, first)
        # Recent burn over each company's forecast window (usually a single query).
        windows = defaultdict(set)
        for line in self:
            windows[line.company_id.agency_scope_forecast_days or 28].add(line.id)
        for days, line_ids in windows.items():
            since = today - timedelta(days=days - 1)
            for project, stype, milestone, hours, amount in Entry._read_group(
                base + [("is_billable", "=", True), ("date", ">=", since)],
                ["project_id", "service_type_id", "milestone_id"],
                ["billed_unit_amount:sum", "billed_amount:sum"],
            ):
                for line_id in target(project.id, stype.id, milestone.id):
                    if line_id in line_ids:
                        burns[line_id].add_recent(hours, amount)
        return burns

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
        return self.sudo().search([("project_id", "in", self.project_id.ids)])

    def _agency_entry_domain(self):
        """Domain of the time entries burning this line (billable or not)."""
        self.ensure_one()
        domain = [("project_id", "=", self.project_id.id),
                  ("service_type_id", "=", self.service_type_id.id)]
        if self.milestone_id:
            return domain + [("milestone_id", "=", self.milestone_id.id)]
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
    # Over-scope policy for time recorded after a line is used up
    # ------------------------------------------------------------------

    def _agency_line_for(self, entry, by_key):
        """The line an entry burns, among ``by_key`` {(project, type, milestone): line}."""
        project, stype = entry.project_id.id, entry.service_type_id.id
        milestone = entry.task_id.milestone_id.id
        return (milestone and by_key.get((project, stype, milestone))) \
            or by_key.get((project, stype, False))

    def _agency_apply_over_scope(self, entries):
        """Decide which of the newly recorded ``entries`` are over scope and apply each
        client's policy to them. The lines' burn must be fresh (it includes the entries).

        :return: True when some entries were found over scope (the burn changed)
        """
        by_key = {(line.project_id.id, line.service_type_id.id, line.milestone_id.id or False):
                  line for line in self}
        todo = defaultdict(list)
        for entry in entries.sudo():
            if (entry.project_id and entry.service_type_id and entry.is_billable
                    and not entry.over_scope_policy and entry._is_not_billed()):
                line = self._agency_line_for(entry, by_key)
                if line and scope.has_budget(line.budget_hours, line.budget_amount):
                    todo[line].append(entry)
        marked = False
        for line, new_entries in todo.items():
            ordered = sorted(new_entries, key=lambda e: (e.date, e.id))
            before = (line.burn_hours - sum(e.billed_unit_amount for e in ordered),
                      line.burn_amount - sum(e.billed_amount for e in ordered))
            first = scope.first_over_scope(
                before, (line.budget_hours, line.budget_amount),
                [(e.billed_unit_amount, e.billed_amount) for e in ordered],
            )
            if first is None:
                continue
            over = self.env["account.analytic.line"].browse([e.id for e in ordered[first:]])
            policy = line._agency_over_scope_policy()
            line._agency_mark_over_scope(over, policy)
            marked = True
        return marked

    def _agency_over_scope_policy(self):
        """billed / held / absorbed: the client's policy, else the company's."""
        self.ensure_one()
        client = self.project_id._agency_scope_client()
        if client.agency_over_scope_policy and client.agency_over_scope_policy != "company":
            return client.agency_over_scope_policy
        return self.company_id.agency_over_scope_policy or "billed"

    def _agency_mark_over_scope(self, entries, policy):
        """Flag entries recorded over scope and apply the policy, with a readable reason
        on each entry and one note in the project's chatter."""
        self.ensure_one()
        outcome = {
            "billed": _("billed at rate"),
            "held": _("held until the client approves a change request"),
            "absorbed": _("absorbed (not billed)"),
        }[policy]
        reason = _(
            "Over scope: the %(line)s budget (%(budget)s) was used up before this entry "
            "(%(burn)s burned); %(outcome)s per the client's over-scope policy.",
            line=self.service_type_id.name, budget=self._agency_budget_text(),
            burn=self._agency_burn_text(), outcome=outcome,
        )
        values = {"over_scope": True, "over_scope_policy": policy, "over_scope_reason": reason}
        if policy == "held":
            values.update(billing_hold=True, billing_hold_reason=reason)
        entries.with_context(agency_scope_skip=True).write(values)
        hours = sum(entries.mapped("unit_amount"))
        self.project_id.sudo()._message_log(body=_(
            "%(count)s time entries (%(hours)s h) recorded after the %(line)s budget was "
            "used up: %(outcome)s.",
            count=len(entries), hours=f"{hours:.2f}", line=self.display_name, outcome=outcome,
        ))

    # ------------------------------------------------------------------
    # Alerts: once per threshold per line, and once for a forecast overrun
    # ------------------------------------------------------------------

    def _agency_after_time_recorded(self, entries=None):
        """Right after time is recorded or changed: fresh burn, the over-scope policy for
        the newly recorded ``entries``, then alerts — once for the whole batch."""
        self._agency_refresh_burn()
        if entries and self._agency_apply_over_scope(entries):
            self._agency_refresh_burn()
        self._agency_evaluate_alerts()

    def _agency_evaluate_alerts(self):
        """Alert about every line that reached a threshold not alerted yet, or whose
        forecast now falls before its project's end; each alert is sent once.

        :return: the number of alerts sent
        """
        thresholds = {}
        crossings, forecasts = [], []
        for line in self.sudo():
            project = line.project_id
            if project not in thresholds:
                thresholds[project] = project._agency_scope_thresholds()
            if line.status == "none":
                continue
            crossed = scope.thresholds_to_alert(thresholds[project], line.burn_percent,
                                                line.alerted_threshold)
            if crossed:
                crossings.append((line, crossed))
            if line.forecast_overrun and not line.forecast_alerted:
                forecasts.append((line, None))
        # A line can have both alerts due at once: they go out one after the other.
        for alerts in (crossings, forecasts):
            if alerts:
                self._agency_send_alerts(alerts)
        return len(crossings) + len(forecasts)

    @api.model
    def _agency_send_alerts(self, alerts):
        """Per alert: one activity and one email for the alerted user, one note in the
        project's chatter — created in batch. ``alerts``: [(line, thresholds crossed, or
        None for a forecast overrun)], at most one per line."""
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        todo = self.env.ref("mail.mail_activity_data_todo")
        project_model = self.env["ir.model"]._get_id("project.project")
        activities, notes, mailed = [], [], self.browse()
        for line, crossed in alerts:
            line = line.sudo()
            summary = line._agency_alert_summary(crossed)
            values = {"last_alert_summary": summary, "last_alert_date": now}
            if crossed:
                values["alerted_threshold"] = crossed[-1]
            else:
                values["forecast_alerted"] = True
            line.with_context(agency_scope_skip=True).write(values)
            project, user = line.project_id, line.alert_user_id
            figures = line._agency_figures_html()
            if user:
                activities.append({
                    "res_model_id": project_model, "res_id": project.id,
                    "activity_type_id": todo.id, "user_id": user.id, "summary": summary,
                    "note": figures, "date_deadline": today, "automated": True,
                })
                mailed |= line
                who = _("Sent to %(user)s.", user=user.name)
                if not project.account_director_id:
                    who = _("Sent to %(user)s, the project manager: this project has no "
                            "Account Director.", user=user.name)
            else:
                who = _("No one was alerted: the project has no Account Director and no "
                        "project manager.")
            notes.append((project, Markup("<p><b>%s</b></p>%s<p>%s</p>") % (summary, figures,
                                                                            who)))
        # Follow first: creating several activities of one user on one project at once
        # would subscribe the user to it twice.
        projects_by_user = defaultdict(set)
        for values in activities:
            projects_by_user[values["user_id"]].add(values["res_id"])
        for user_id, project_ids in projects_by_user.items():
            self.env["project.project"].sudo().browse(project_ids).message_subscribe(
                partner_ids=self.env["res.users"].browse(user_id).partner_id.ids)
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True).create(activities)
        template = self.env.ref("agency_billing.mail_template_scope_alert",
                                raise_if_not_found=False)
        if template and mailed:
            template.sudo().send_mail_batch(mailed.ids)
        for project, body in notes:
            project.sudo()._message_log(body=body)

    def _agency_alert_summary(self, crossed):
        if crossed:
            return _("Scope %(pct)s%%: %(line)s reached %(thresholds)s of its budget",
                     pct=int(self.burn_percent), line=self.display_name,
                     thresholds=", ".join(f"{value}%" for value in crossed))
        return _("Scope forecast: %(line)s will be used up on %(date)s, before the project "
                 "ends on %(end)s", line=self.display_name,
                 date=format_date(self.env, self.forecast_date),
                 end=format_date(self.env, self.project_id.date))

    def _agency_budget_text(self):
        parts = []
        if self.budget_hours:
            parts.append(f"{self.budget_hours:.2f} h")
        if self.budget_amount:
            parts.append(format_amount(self.env, self.budget_amount, self.currency_id))
        return " / ".join(parts) or _("no budget")

    def _agency_burn_text(self):
        return (f"{self.burn_hours:.2f} h / "
                f"{format_amount(self.env, self.burn_amount, self.currency_id)}")

    def _agency_figures_html(self):
        """The figures of the line as a small HTML list (alerts, activities)."""
        currency = self.currency_id
        rows = [
            (_("Budget"), self._agency_budget_text()),
            (_("Burned"), f"{self._agency_burn_text()} ({self.burn_percent:.1f}%)"),
            (_("Remaining"), f"{self.remaining_hours:.2f} h / "
                             f"{format_amount(self.env, self.remaining_amount, currency)}"),
        ]
        if self.held_hours:
            rows.append((_("Held"), f"{self.held_hours:.2f} h / "
                                    f"{format_amount(self.env, self.held_amount, currency)}"))
        if self.forecast_date:
            rows.append((_("Forecast used up on"), format_date(self.env, self.forecast_date)))
        if self.project_id.date:
            rows.append((_("Project ends on"), format_date(self.env, self.project_id.date)))
        items = Markup("").join(Markup("<li>%s: %s</li>") % (label, value)
                                for label, value in rows)
        return Markup("<ul>%s</ul>") % items

    # ------------------------------------------------------------------
    # Cron: the safety net
    # ------------------------------------------------------------------

    @api.model
    def _cron_scope_evaluate(self, batch_size=1000):
        """Cron: refresh burn and forecast of the lines not evaluated today (one batch per
        call, the cron loops while some are left) and send their due alerts."""
        today = fields.Date.context_today(self)
        domain = [("project_id.active", "=", True),
                  "|", ("evaluated_on", "=", False), ("evaluated_on", "<", today)]
        lines = self.sudo().search(domain, limit=batch_size, order="project_id, id")
        lines._agency_refresh_burn()
        lines._agency_evaluate_alerts()
        lines.with_context(agency_scope_skip=True).write({"evaluated_on": today})
        remaining = self.sudo().search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(lines), remaining=remaining)
        return len(lines)

    # ------------------------------------------------------------------
    # Change requests and held time
    # ------------------------------------------------------------------

    def action_agency_change_request(self):
        """Open the change request wizard for this line."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Change Request"),
            "res_model": "agency.change.request.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_scope_line_id": self.id},
        }

    def action_view_change_requests(self):
        self.ensure_one()
        return self.project_id._agency_change_requests_action(
            [("agency_scope_line_id", "=", self.id)]
        )

    def action_agency_release_held(self):
        """Release the held time of these lines: it is billed on its own sale lines."""
        for line in self:
            released = line._agency_release_held()
            if released:
                line.project_id.sudo().message_post(
                    body=_("%(count)s held time entries (%(hours)s h) of %(line)s released "
                           "by %(user)s: they are billed as usual.",
                           count=len(released), line=line.display_name,
                           hours=f"{sum(released.mapped('billed_unit_amount')):.2f}",
                           user=self.env.user.name),
                    subtype_xmlid="mail.mt_note",
                )
        return True

    def _agency_held_entries(self):
        """Open time entries of this line held because they were over scope."""
        self.ensure_one()
        return self.env["account.analytic.line"].sudo().search(
            self._agency_entry_domain() + [
                ("billing_hold", "=", True),
                ("over_scope_policy", "=", "held"),
                "|", ("timesheet_invoice_id", "=", False),
                ("timesheet_invoice_id.state", "=", "cancel"),
            ], order="date, id",
        )

    def _agency_release_held(self, order=None):
        """Release the held entries of this line; with ``order`` (an accepted change
        request), route them to its lines at their rates (added when missing).

        :return: the released entries
        """
        self.ensure_one()
        held = self._agency_held_entries()
        if not held:
            return held
        values = {"billing_hold": False, "billing_hold_reason": False}
        Entry = self.env["account.analytic.line"].sudo()
        if not order:
            held.with_context(agency_scope_skip=True).write(values)
        else:
            keys = {}
            for entry in held:
                keys.setdefault(entry._agency_change_request_key(order), entry)
            keys.pop(None, None)
            mapping = Entry._agency_find_sale_lines(keys)
            by_sale_line = defaultdict(list)
            for entry in held:
                by_sale_line[mapping.get(entry._agency_change_request_key(order))].append(
                    entry.id)
            for sale_line_id, ids in by_sale_line.items():
                route = dict(values, so_line=sale_line_id, is_so_line_edited=True) \
                    if sale_line_id else values
                Entry.browse(ids).with_context(agency_scope_skip=True).write(route)
        self._agency_refresh_burn()
        return held

    def _agency_planned_rate(self, order):
        """Hourly rate of extra hours of this line for the client, in ``order``'s currency:
        the rate rule a client's entry of this service type would get (no person or
        role), else the line's blended rate so far, else the contract's price for the
        service (its sale line, else the product's sales price)."""
        self.ensure_one()
        company = self.company_id
        currency = order.currency_id
        converter = _Converter(self.env, company)
        contract = self.project_id.sale_line_id.order_id
        today = fields.Date.context_today(self)

        def fallback():
            return self.env["account.analytic.line"]._agency_product_price(
                self.service_type_id.product_id, contract, company)

        result = self.env["agency.rate.rule"]._rule_index(company).resolve(
            rating.Entry(date=today, order=contract.id or None, project=self.project_id.id,
                         partner=self.project_id._agency_scope_client().id or None,
                         service_type=self.service_type_id.id),
            convert=lambda amount, cur, day: converter.convert(amount, cur, currency, day),
            fallback=fallback,
        )
        if result.rule:
            return currency.round(result.rate)
        if self.burn_hours and self.currency_id == currency:
            return currency.round(self.burn_amount / self.burn_hours)
        price = fallback()
        if not price:
            return 0.0
        return currency.round(converter.convert(price[0], price[1], currency, today))

    def _agency_create_change_request(self, hours, note=False):
        """Draft a quotation for ``hours`` extra hours of this line at the client's rates:
        the held hours at the rates they were rated at, the rest at the planned rate.

        :return: the quotation (sale.order)
        """
        self.ensure_one()
        project = self.project_id
        product = self.service_type_id.product_id
        if not product:
            raise UserError(_("The service type %s has no service product to sell extra hours "
                              "with.", self.service_type_id.name))
        contract = project.sale_line_id.order_id
        partner = contract.partner_id or project.partner_id
        if not partner:
            raise UserError(_("The project %s has no client to send a change request to.",
                              project.name))
        held = self._agency_held_entries()
        held_hours = sum(held.mapped("billed_unit_amount"))
        if float_compare(hours, held_hours, precision_digits=2) < 0 or hours <= 0:
            raise UserError(_(
                "A change request must cover at least the %(held)s h held on %(line)s.",
                held=f"{held_hours:.2f}", line=self.display_name,
            ))
        order = self.env["sale.order"].create(self._agency_change_request_values(
            contract, partner, note))
        lines = [{"display_type": "line_section", "name": _("Change request: %s",
                                                            self.display_name)}]
        if note:
            lines.append({"display_type": "line_note", "name": note})
        by_rate = defaultdict(float)
        for entry in held:
            by_rate[order.currency_id.round(entry.billing_rate)] += entry.billed_unit_amount
        for rate, qty in sorted(by_rate.items()):
            lines.append(self._agency_change_request_line(
                product, qty, rate, _("%(product)s – time held over scope", product=product.name)))
        extra = hours - held_hours
        if not float_is_zero(extra, precision_digits=2):
            lines.append(self._agency_change_request_line(
                product, extra, self._agency_planned_rate(order),
                _("%(product)s – extra hours", product=product.name)))
        order.write({"order_line": [fields.Command.create(vals) for vals in lines]})
        project.sudo().message_post(
            body=_("Change request %(order)s drafted for %(line)s: %(hours)s h (%(held)s h "
                   "held), %(amount)s before taxes.",
                   order=order.name, line=self.display_name, hours=f"{hours:.2f}",
                   held=f"{held_hours:.2f}",
                   amount=format_amount(self.env, order.amount_untaxed, order.currency_id)),
            subtype_xmlid="mail.mt_note",
        )
        return order

    def _agency_change_request_values(self, contract, partner, note):
        """Values of a change-request quotation (hook)."""
        project = self.project_id
        values = {
            "partner_id": partner.id,
            "agency_change_request_project_id": project.id,
            "agency_scope_line_id": self.id,
            "project_id": project.id,
            "require_signature": True,
            "require_payment": False,
            "origin": contract.name or project.name,
            "client_order_ref": contract.client_order_ref or False,
            "user_id": (project.account_director_id or self.env.user).id,
        }
        if contract:
            values.update(pricelist_id=contract.pricelist_id.id,
                          partner_invoice_id=contract.partner_invoice_id.id,
                          partner_shipping_id=contract.partner_shipping_id.id)
        return values

    def _agency_change_request_line(self, product, qty, rate, name):
        return {
            "product_id": product.id,
            "name": name,
            "product_uom_qty": round(qty, 2),
            "price_unit": rate,
            "discount": 0.0,
        }

    def _agency_apply_change_request(self, order):
        """An accepted change request: the budget grows by its hours (and amount), the held
        time is released to its lines, alerts re-arm, the project's chatter says so."""
        self.ensure_one()
        hours = order._agency_change_request_hours()
        amount = order.currency_id._convert(order.amount_untaxed, self.currency_id,
                                            order.company_id, fields.Date.context_today(self))
        before = self._agency_budget_text()
        values = {"budget_hours": self.budget_hours + hours}
        if self.budget_amount > 0:
            values["budget_amount"] = self.budget_amount + amount
        self.write(values)
        released = self._agency_release_held(order)
        who = order.signed_by or self.env.user.name
        self.project_id.sudo().message_post(
            body=_("Change request %(order)s accepted by %(who)s: %(line)s budget %(before)s → "
                   "%(after)s; %(count)s held time entries (%(hours)s h) released to it for "
                   "invoicing.",
                   order=order.name, who=who, line=self.display_name, before=before,
                   after=self._agency_budget_text(), count=len(released),
                   hours=f"{sum(released.mapped('billed_unit_amount')):.2f}"),
            subtype_xmlid="mail.mt_note",
        )


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
