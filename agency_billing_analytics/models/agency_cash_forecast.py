"""The 13-week cash forecast: what each client is expected to pay, week by week, from its
own payment history, with a band and a back-test (README, "Analytics > Cash forecast")."""

import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.agency_billing.lib import billing_cycle

from ..lib import analytics

SOURCES = [
    ("receivable", "Open receivables"),
    ("draft", "Draft invoices"),
    ("cycle", "Next billing cycles (WIP)"),
    ("retainer", "Retainer fees due"),
    ("milestone", "Milestones due"),
]
# A client's own payment history is used from this many fully paid invoices on.
MIN_HISTORY = 3


def _percent(value):
    return "n/a" if value is None else f"{value:.2f} %"


class AgencyCashForecast(models.Model):
    """One stored week of a company's latest cash forecast (the dashboard's chart reads
    these; *Refresh* or the daily cron rebuilds them). ``get_forecast()`` computes the
    rows without storing anything; ``backtest()`` replays a forecast made at a past date."""

    _name = "agency.cash.forecast"
    _description = "Agency Billing: cash forecast week"
    _order = "company_id, week_start"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True,
                                 default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    forecast_date = fields.Date(required=True, help="The day the forecast was made.")
    week_start = fields.Date(required=True)
    expected = fields.Monetary()
    low = fields.Monetary()
    high = fields.Monetary()
    receivable = fields.Monetary(string="Open Receivables")
    draft = fields.Monetary(string="Draft Invoices")
    cycle = fields.Monetary(string="Next Cycles (WIP)")
    retainer = fields.Monetary(string="Retainer Fees")
    milestone = fields.Monetary(string="Milestones")
    sources = fields.Char(help="Expected amount per source, as JSON.")
    note = fields.Text(string="How it was computed")
    backtest_verdict = fields.Char(
        string="Back-test", help="How this forecast did against the naive baseline "
        "\"each invoice is paid on its due date\" over every week of the last year (the "
        "full figures are in How it was computed).")

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------

    @api.model
    def get_forecast(self, weeks=13, date=None):
        """Rows ``week_start``, ``expected``, ``low``, ``high``, ``sources`` (a dict of
        expected amount per source) for ``weeks`` weeks from the week of ``date`` (default
        today), in the current company's currency."""
        day = fields.Date.to_date(date) or self.env.company._agency_billing_today()
        rows, _note = self._agency_forecast(weeks, day)
        return [dict(row, week_start=fields.Date.to_string(row["week_start"])) for row in rows]

    @api.model
    def action_refresh(self):
        """Rebuild the stored forecast of the current company (the dashboard's chart)."""
        self._agency_store(self.env.company)
        return self.env["ir.actions.act_window"]._for_xml_id(
            "agency_billing_analytics.action_agency_cash_forecast")

    @api.model
    def _cron_refresh(self):
        for company in self.env["res.company"].search([]):
            self.with_company(company)._agency_store(company)

    @api.model
    def backtest(self, date, weeks=13):
        """Replay the forecast of the receivables open at ``date`` from the payment history
        before it, against the cash actually received on them in the weeks after it.

        Returns ``{"weeks": [{"week_start", "forecast", "actual"}], "wape", "total"}``
        (errors in percent, see ``lib.analytics.backtest_error``)."""
        day = fields.Date.to_date(date)
        start = analytics.week_start(day)
        company = self.env.company
        open_items = self.env["agency.report.invoice"]._agency_open_at(day, company.ids)
        history, company_history = self._agency_history(day)
        items = [self._agency_item(amount, due or day, partner, "receivable", history,
                                   company_history, day)
                 for partner, amount, due in open_items.values()]
        rows = analytics.forecast(items, start, weeks)
        actual = self._agency_cash_received(list(open_items), day, start, weeks)
        return {
            "weeks": [{"week_start": fields.Date.to_string(r["week_start"]),
                       "forecast": r["expected"], "actual": actual[i]}
                      for i, r in enumerate(rows)],
            **analytics.backtest_error([r["expected"] for r in rows], actual),
        }

    @api.model
    def backtest_weekly(self, date=None, weeks_back=52, horizons=(1, 4, 13)):
        """Back-test every week of the last ``weeks_back`` weeks of history before ``date``
        (default today). From each Monday: the receivables open on it and the invoices
        issued in the next ``max(horizons)`` weeks (what the forecast reads from drafts and
        billing cycles, here as they were actually issued), forecast week by week by the
        per-client delay model (from the payment history before that Monday) and by the
        naive baseline "each invoice is paid on its due date" (an overdue one at once),
        against the cash received on them. Only start weeks whose horizon has passed
        count.

        Returns ``{horizon: {"model", "baseline" (errors in percent: Σ|forecast − actual|
        ÷ Σ actual over the weeks up to the horizon of every start week), "gain" (percent
        of the baseline's error the model removes), "weeks" (start weeks counted)},
        "earns_its_place": bool}``."""
        end = fields.Date.to_date(date) or self.env.company._agency_billing_today()
        last = analytics.week_start(end)
        longest = max(horizons)
        pairs = {h: {"model": [], "baseline": []} for h in horizons}
        counted = dict.fromkeys(horizons, 0)
        for back in range(1, weeks_back + 1):
            start = last - timedelta(days=7 * back)
            known = [h for h in horizons if start + timedelta(days=7 * h) <= end]
            if not known:
                continue
            model, baseline, actual = self._agency_replay(start, longest)
            for h in known:
                counted[h] += 1
                pairs[h]["model"] += list(zip(model[:h], actual[:h], strict=True))
                pairs[h]["baseline"] += list(zip(baseline[:h], actual[:h], strict=True))
        result = {}
        for h in horizons:
            model = analytics.rolling_error(pairs[h]["model"])
            baseline = analytics.rolling_error(pairs[h]["baseline"])
            result[h] = {"model": model, "baseline": baseline,
                         "gain": analytics.gain(model, baseline), "weeks": counted[h]}
        result["earns_its_place"] = analytics.earns_its_place(result)
        return result

    def _agency_replay(self, start, weeks):
        """(model, baseline, actual) weekly cash from ``start`` of the receivables open on
        it and the invoices issued in the ``weeks`` after it: forecast from the payment
        history before ``start``, and received."""
        company = self.env.company
        items = self.env["agency.report.invoice"]._agency_open_at(start, company.ids)
        self.env.cr.execute(SQL("""
            SELECT am.id, am.commercial_partner_id, am.amount_total_signed,
                   am.invoice_date_due
              FROM account_move am
             WHERE am.state = 'posted' AND am.move_type = 'out_invoice'
               AND am.invoice_date >= %(start)s AND am.invoice_date < %(end)s
               AND am.company_id = %(company)s
               AND am.commercial_partner_id IN (SELECT partner_id FROM agency_report_client)
        """, start=start, end=start + timedelta(days=7 * weeks), company=company.id))
        for move, partner, amount, due in self.env.cr.fetchall():
            items.setdefault(move, (partner, amount, due))
        history, company_history = self._agency_history(start)
        model = [self._agency_item(amount, due or start, partner, "receivable", history,
                                   company_history, start)
                 for partner, amount, due in items.values()]
        baseline = [dict(item, distribution=[0]) for item in model]
        actual = self._agency_cash_received(list(items), start, start, weeks)
        return ([r["expected"] for r in analytics.forecast(model, start, weeks)],
                [r["expected"] for r in analytics.forecast(baseline, start, weeks)], actual)

    def _agency_backtest_verdict(self, result):
        """One line: the model's and the baseline's errors at 4 and 13 weeks, and whether
        the model earns its place."""
        figures = ", ".join(self.env._(
            "%(h)s w: %(model)s vs %(base)s", h=h, model=_percent(result[h]["model"]),
            base=_percent(result[h]["baseline"])) for h in analytics.JUDGED_HORIZONS
            if h in result)
        if result.get("earns_its_place"):
            return self.env._("Beats \"paid on the due date\" (%(figures)s)",
                              figures=figures)
        return self.env._("Does NOT beat \"paid on the due date\" by %(gain)s%% "
                          "(%(figures)s)", gain=int(analytics.REQUIRED_GAIN),
                          figures=figures)

    def _agency_backtest_note(self, result):
        """The weekly back-test in words, for the forecast screen."""
        lines = [self.env._(
            "Back-test of every week of the last year: from each Monday, the cash of the "
            "receivables open on it and of the invoices issued after it, week by week up to "
            "1, 4 and 13 weeks; error = Σ|forecast − received| ÷ Σ received.")]
        for h in sorted(k for k in result if isinstance(k, int)):
            row = result[h]
            lines.append(self.env._(
                "%(h)s week(s), %(n)s start weeks: this forecast %(model)s, baseline "
                "\"paid on the due date\" %(base)s, gain %(gain)s.",
                h=h, n=row["weeks"], model=_percent(row["model"]),
                base=_percent(row["baseline"]), gain=_percent(row["gain"])))
        if result.get("earns_its_place"):
            lines.append(self.env._(
                "The per-client delay model beats the baseline's error by at least "
                "%(gain)s%% at 4 and 13 weeks.", gain=int(analytics.REQUIRED_GAIN)))
        else:
            lines.append(self.env._(
                "Warning: the per-client delay model does NOT beat the baseline \"each "
                "invoice is paid on its due date\" by %(gain)s%% at 4 and 13 weeks on this "
                "history: do not trust its timing more than the due dates.",
                gain=int(analytics.REQUIRED_GAIN)))
        return "\n".join(lines)

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def _agency_store(self, company):
        today = self.env.company._agency_billing_today()
        rows, note = self.with_company(company)._agency_forecast(13, today)
        backtest = self.with_company(company).backtest_weekly(today)
        verdict = self._agency_backtest_verdict(backtest)
        note += "\n" + self._agency_backtest_note(backtest)
        self.search([("company_id", "=", company.id)]).unlink()
        self.create([{
            "company_id": company.id,
            "forecast_date": today,
            "week_start": row["week_start"],
            "expected": row["expected"],
            "low": row["low"],
            "high": row["high"],
            "sources": json.dumps(row["sources"]),
            "note": note,
            "backtest_verdict": verdict,
            **{key: row["sources"].get(key, 0.0) for key, _label in SOURCES},
        } for row in rows])

    def _agency_forecast(self, weeks, day):
        """(rows, note): the forecast of the current company from ``day``'s week on."""
        company = self.env.company
        start = analytics.week_start(day)
        horizon = start + timedelta(days=7 * weeks)
        history, company_history = self._agency_history(day)
        items = []
        for partner, amount, due in self.env["agency.report.invoice"]._agency_open_at(
                day + timedelta(days=1), company.ids).values():
            items.append(self._agency_item(amount, due or day, partner, "receivable",
                                           history, company_history, day))
        for kind, partner, amount, due in self._agency_to_come(day, horizon):
            items.append(self._agency_item(amount, due, partner, kind, history,
                                           company_history, day))
        rows = analytics.forecast(items, start, weeks)
        fallback = sorted({self.env["res.partner"].browse(i["partner"]).display_name
                           for i in items if i["basis"] != "client"})
        note = self.env._(
            "Forecast of %(date)s: open receivables, draft invoices, the next billing cycle "
            "of each client on automatic billing (its work in progress), retainer fees and "
            "milestones due within %(weeks)s weeks, each expected on its due date plus the "
            "days late of the client's own fully paid invoices (at least %(min)s), every "
            "past lateness equally likely; the band is an 80%% interval.",
            date=fields.Date.to_string(day), weeks=weeks, min=MIN_HISTORY)
        if fallback:
            note += "\n" + self.env._(
                "Without enough payment history, the company's history is used for: %s.",
                ", ".join(fallback))
        return rows, note

    def _agency_item(self, amount, due, partner, source, history, company_history, today):
        distribution, basis = analytics.lateness(history.get(partner, []), company_history,
                                                 MIN_HISTORY)
        return {"amount": amount, "due": due, "distribution": distribution, "source": source,
                "today": today, "partner": partner, "basis": basis}

    def _agency_history(self, day):
        """Days late of the fully paid invoices paid before ``day``: per client, and for
        the whole company (one grouped query)."""
        groups = self.env["agency.report.invoice"]._read_group(
            [("company_id", "=", self.env.company.id), ("move_type", "=", "out_invoice"),
             ("paid_date", "!=", False), ("paid_date", "<", day)],
            ["partner_id"], ["days_late:array_agg"])
        history = {partner.id: [d for d in late if d is not None] for partner, late in groups}
        return history, [d for late in history.values() for d in late]

    def _agency_to_come(self, day, horizon):
        """(source, partner id, amount, due date) of what will be invoiced before the
        horizon: drafts, the next cycle's WIP, retainer fees, milestones due."""
        company = self.env.company
        result = []
        drafts = self.env["account.move"].search([
            ("company_id", "=", company.id), ("state", "=", "draft"),
            ("move_type", "=", "out_invoice")])
        for move in drafts:
            invoice_date = move.invoice_date or day
            result.append(("draft", move.commercial_partner_id.id, move.amount_total_signed,
                           move.invoice_date_due or self._agency_due(
                               move.commercial_partner_id, invoice_date)))
        clients = self.env["res.partner"].search([
            ("billing_automation", "=", True), ("billing_next_date", "!=", False),
            ("billing_next_date", "<", horizon)])
        if clients:
            wip = dict(self.env["agency.report.profitability"]._read_group(
                [("kind", "=", "wip"), ("company_id", "=", company.id),
                 ("partner_id", "in", clients.ids)], ["partner_id"], ["wip:sum"]))
            for client in clients:
                bill_on = max(client.billing_next_date, day)
                if wip.get(client):
                    result.append(("cycle", client.id, wip[client],
                                   self._agency_due(client, bill_on)))
                result.extend(self._agency_retainer_fees(client, bill_on, horizon))
        milestones = self.env["project.milestone"].search([
            ("is_reached", "=", False), ("deadline", ">=", day), ("deadline", "<", horizon),
            ("sale_line_id", "!=", False), ("sale_line_id.company_id", "=", company.id)])
        for milestone in milestones:
            line = milestone.sale_line_id
            amount = line.currency_id._convert(
                line.price_total * (milestone.quantity_percentage or 0.0), company.currency_id,
                company, milestone.deadline)
            partner = line.order_id.partner_id.commercial_partner_id
            result.append(("milestone", partner.id, amount,
                           self._agency_due(partner, milestone.deadline)))
        return result

    def _agency_retainer_fees(self, client, bill_on, horizon):
        """A retainer fee for each of the client's billing dates before the horizon."""
        orders = self.env["sale.order"].search([
            ("partner_id", "child_of", client.id), ("state", "=", "sale"),
            ("company_id", "=", self.env.company.id)]).filtered("retainer_line_id")
        if not orders:
            return []
        cycle = client._agency_billing_cycle()
        dates, current = [], bill_on
        while current and current < horizon:
            dates.append(current)
            current = billing_cycle.next_billing_date(cycle, current)
        result = []
        for order in orders:
            line = order.retainer_line_id
            for when in dates:
                amount = line.currency_id._convert(line.price_unit * (1 + sum(
                    line.tax_id.mapped("amount")) / 100.0), self.env.company.currency_id,
                    self.env.company, when)
                result.append(("retainer", client.id, amount, self._agency_due(client, when)))
        return result

    def _agency_due(self, partner, invoice_date):
        """The due date of an invoice of ``partner`` dated ``invoice_date``: the last due
        date of its payment terms, else the company's default terms for invoices (as the
        invoice will get them), else the invoice date."""
        company = self.env.company
        term = (partner.with_company(company).property_payment_term_id
                or company.agency_payment_term_id)
        if not term or not term.line_ids:
            return invoice_date
        return max(line._get_due_date(invoice_date) for line in term.line_ids)

    def _agency_cash_received(self, move_ids, day, start, weeks):
        """Per week from ``start``: the payments (not credit notes) reconciled from ``day``
        on with the receivable lines of ``move_ids``, in the company currency."""
        actual = [0.0] * weeks
        if not move_ids:
            return actual
        self.env.cr.execute("""
            SELECT apr.max_date, SUM(apr.amount)
              FROM account_move_line rl
              JOIN account_partial_reconcile apr
                ON rl.id = apr.debit_move_id OR rl.id = apr.credit_move_id
              JOIN account_move_line other
                ON other.id = CASE WHEN rl.id = apr.debit_move_id THEN apr.credit_move_id
                                   ELSE apr.debit_move_id END
              JOIN account_move om ON om.id = other.move_id
             WHERE rl.move_id = ANY(%s) AND rl.display_type = 'payment_term'
               AND om.move_type = 'entry' AND apr.max_date >= %s
             GROUP BY apr.max_date
        """, (move_ids, day))
        for day, amount in self.env.cr.fetchall():
            index = (day - start).days // 7
            if 0 <= index < weeks:
                actual[index] += float(amount)
        return [analytics.money(a) for a in actual]
