"""Scope budget lines: alerts once per threshold, forecast overrun, and the daily cron."""

from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import format_amount, format_date

from ..lib import scope


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyScopeLineAlert(models.Model):
    _inherit = "agency.scope.line"

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
        # sudo: called after time was recorded (the scope hook), by the cron, or by an action
        # that checked a billing user; reads the projects' thresholds and alert users.
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
            # sudo: the alert's own bookkeeping on the line (which threshold was alerted).
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
            # sudo: the alerted user follows the project so that the alert reaches them.
            self.env["project.project"].sudo().browse(project_ids).message_subscribe(
                partner_ids=self.env["res.users"].browse(user_id).partner_id.ids)
        # sudo: the alert's activity is for the Account Director, whoever recorded the time.
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True).create(activities)
        template = self.env.ref("agency_billing.mail_template_scope_alert",
                                raise_if_not_found=False)
        if template and mailed:
            # sudo: the alert email is the rules' own message (template of this addon).
            template.sudo().send_mail_batch(mailed.ids)
        for project, body in notes:
            # sudo: the note is the rules' own trace in the project's chatter.
            project.sudo()._message_log(body=body)

    def _agency_alert_summary(self, crossed):
        if crossed:
            thresholds = ", ".join(f"{value}%" for value in crossed)
            return _("Scope %(pct)s%%: %(line)s reached %(thresholds)s of its budget",
                     pct=int(self.burn_percent), line=self.display_name,
                     thresholds=thresholds)
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
        # sudo: the scope cron (ir.cron runs it; no user input).
        lines = self.sudo().search(domain, limit=batch_size, order="project_id, id")
        lines._agency_refresh_burn()
        lines._agency_evaluate_alerts()
        lines.with_context(agency_scope_skip=True).write({"evaluated_on": today})
        # sudo: the scope cron counts what is left.
        remaining = self.sudo().search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(lines), remaining=remaining)
        return len(lines)

    # ------------------------------------------------------------------
