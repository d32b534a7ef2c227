"""Demo agency: six months of history before the demo month, for the analytics.

Only called from ``demo/agency_analytics_demo.xml`` (after the demo month is billed).
A plain random generator with a fixed seed, built on the demo agency's people, clients and
contracts: a finished project per client with its budget, time (a little of it written
off), monthly invoices posted and sent, payments (some late, one partial), a credit note, a
dispute, a milestone, Umbrella's retainer settled month by month, and a client billed in
euros. The history ends with the last complete month (the one the dashboard's headline
figures describe), so that month is billed and paid as usual. Then the KPI snapshots, the
cash forecast and the rate suggestions.
"""

import random
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

from odoo.addons.agency_billing.lib.demo import ROLE_TYPES, ROLE_WORK

HISTORY_MONTHS = 6
# Per client: days from the period end to the invoice, days to send it, days paid after
# the due date (a range), and how far the work ran over its budget per service type.
CLIENTS = {
    "agency_billing.partner_acme": (1, 0, (0, 4)),
    "agency_billing.partner_globex": (6, 2, (5, 20)),
    "agency_billing.partner_initech": (3, 1, (-5, 2)),
    "agency_billing.partner_umbrella": (1, 0, (0, 3)),
    "agency_billing.partner_stark": (12, 3, (10, 30)),
}
OVERRUN = {"creative": 1.3, "design": 1.15}
# Share of the history's time written off (excluded from billing, with its reason): the
# leakage of a healthy agency's hour recovery.
WRITE_OFF = 0.1


class AgencyAnalyticsDemo(models.AbstractModel):
    """Helpers that build the demo agency's analytics history (demo data only)."""

    _name = "agency.analytics.demo"
    _description = "Agency Billing analytics demo helpers"

    @api.model
    def _generate_demo_history(self, seed=2612):
        rng = random.Random(seed)
        ref = self.env.ref
        today = fields.Date.context_today(self)
        last = self.env["agency.kpi.snapshot"]._agency_last_complete_month(today)
        end = last + relativedelta(months=1, days=-1)
        start = end.replace(day=1) - relativedelta(months=HISTORY_MONTHS - 1)
        months = [(start + relativedelta(months=i),
                   start + relativedelta(months=i + 1, days=-1)) for i in range(HISTORY_MONTHS)]
        euro_client = self._demo_euro_client(start)
        clients = [ref(x) for x in CLIENTS] + [euro_client]
        projects = {client: self._demo_history_project(client, start, end) for client in clients}
        self._demo_milestone(projects[ref("agency_billing.partner_initech")], start)
        employees = self.env["hr.employee"].search([
            ("job_id.name", "in", list(ROLE_WORK)), ("company_id", "=", self.env.company.id)])
        self._demo_leave(employees[:1], start + timedelta(days=60))
        # Time up to the demo month (whose time the demo agency recorded already).
        self._demo_time(rng, list(projects.values()), employees, start,
                        today - timedelta(days=31))
        self._demo_budgets(projects.values())
        saved = {client: client.billing_last_period_end for client in clients}
        umbrella = ref("agency_billing.partner_umbrella")
        demo_retainer = self._demo_release_retainer(umbrella)
        invoices = self.env["account.move"]
        for month_start, month_end in months:
            for client in clients:
                if client == umbrella:
                    client.billing_last_period_end = month_start - timedelta(days=1)
                    moves = self._demo_run(client, month_end + timedelta(days=1), due=True)
                else:
                    moves = self._demo_run(client, month_end)
                invoices |= self._demo_post(moves, client, month_end)
        for client, value in saved.items():
            client.billing_last_period_end = value
        if demo_retainer:
            # The demo month's retainer run, as the billing demo made it, after its history.
            umbrella.billing_last_period_end = max(demo_retainer, end)
            self._demo_run(umbrella, today, due=True)
        self._demo_payments(rng, invoices, today)
        self._demo_set_aside_sample_time()
        self.env["agency.kpi.snapshot"]._cron_snapshot()
        self.env["agency.cash.forecast"]._cron_refresh()
        for company in self.env["res.company"].search([]):
            self.env["agency.rate.suggestion"].with_company(company)._agency_refresh(company)
        return True

    # ------------------------------------------------------------------
    # Records
    # ------------------------------------------------------------------

    def _demo_euro_client(self, start):
        """Nordlicht Reisen GmbH, billed in euros (rates of the history months)."""
        eur = self.env.ref("base.EUR")
        eur.active = True
        company = self.env.company
        for index in range(HISTORY_MONTHS + 2):
            day = start + relativedelta(months=index)
            if not self.env["res.currency.rate"].search_count([
                    ("currency_id", "=", eur.id), ("name", "=", day),
                    ("company_id", "=", company.id)]):
                self.env["res.currency.rate"].create({
                    "currency_id": eur.id, "name": day, "company_id": company.id,
                    "rate": 0.90 + 0.01 * (index % 4)})
        client = self.env["res.partner"].create({
            "name": "Nordlicht Reisen GmbH", "is_company": True, "city": "Hamburg",
            "country_id": self.env.ref("base.de").id, "email": "billing@nordlicht.example",
            "invoice_detail_level": "service_type", "billing_cycle": "manual"})
        contact = self.env["res.partner"].create({
            "name": "Jana Vogt", "parent_id": client.id, "type": "invoice",
            "email": "jana.vogt@nordlicht.example"})
        client.billing_contact_ids = [Command.set(contact.ids)]
        pricelist = self.env["product.pricelist"].create({
            "name": "Euro clients", "currency_id": eur.id})
        types = self._demo_types()
        order = self.env["sale.order"].create({
            "partner_id": client.id, "pricelist_id": pricelist.id,
            "client_order_ref": "Nordlicht brand refresh",
            "order_line": [Command.create({
                "product_id": types[code].product_id.id, "price_unit": price,
                "product_uom_qty": qty}) for code, price, qty in (
                ("creative", 140.0, 80), ("design", 110.0, 120), ("copywriting", 95.0, 60))],
        })
        order.action_confirm()
        self.env["project.project"].create({
            "name": "Nordlicht Reisen — Brand refresh", "partner_id": client.id,
            "sale_line_id": order.order_line[0].id, "allow_billable": True,
            "allow_timesheets": True})
        return client

    def _demo_set_aside_sample_time(self):
        """Odoo's own sample timesheets, on the projects of Odoo's demo (archived by the
        demo agency), are not the agency's work: classified internal by hand (with the
        reason), so they do not count as billable work that never reached an invoice."""
        lines = self.env["account.analytic.line"].with_context(active_test=False).search([
            ("project_id.active", "=", False), ("is_billable", "=", True)])
        lines = lines.filtered(lambda line: line._is_not_billed())
        if lines:
            lines.with_context(
                agency_override_reason="Odoo's sample data, not the demo agency's work",
            ).write({"service_type_id": self.env.ref(
                "agency_billing.service_type_internal").id})

    def _demo_types(self):
        return {t.code: t for t in self.env["agency.service.type"].search([])}

    def _demo_history_project(self, client, start, end):
        """A finished project of the client on its contract, with a task per service type
        its contract sells (the current demo project's tasks as a model)."""
        current = self.env["project.project"].search([("partner_id", "=", client.id)], limit=1)
        project = self.env["project.project"].create({
            "name": f"{client.name} — Previous campaign",
            "partner_id": client.id,
            "sale_line_id": current.sale_line_id.id,
            "allow_billable": True,
            "allow_timesheets": True,
            "date_start": start,
            "date": end,
            "service_type_id": current.service_type_id.id,
        })
        # Finished: in Odoo's closed ("Done", folded) stage, so it leaves the risk screens
        # and the invoices that bill nothing of it (project.project.agency_closed).
        done = self.env.ref("project.project_project_stage_2", raise_if_not_found=False)
        if done:
            project.sudo().stage_id = done
        types = self._demo_types()
        sold = current.sale_line_id.order_id.order_line.product_id
        for code in ("strategy", "creative", "design", "copywriting", "media_buying",
                     "account_management"):
            stype = types.get(code)
            if stype and stype.product_id in sold:
                self.env["project.task"].create({
                    "name": f"{stype.name} ({client.name})", "project_id": project.id,
                    "service_type_id": stype.id})
        return project

    def _demo_milestone(self, project, start):
        """Initech's discovery phase: a fixed fee reached in the first month (and invoiced
        by its billing: it is reached from the start, so a later date would put the
        invoice before the work)."""
        order = project.sale_line_id.order_id
        product = self.env.ref("agency_billing.product_milestone_website")
        line = self.env["sale.order.line"].create({
            "order_id": order.id, "product_id": product.id, "name": "Discovery phase",
            "product_uom_qty": 1, "price_unit": 4000.0})
        milestone = self.env["project.milestone"].create({
            "name": "Discovery workshop", "project_id": project.id, "sale_line_id": line.id,
            "quantity_percentage": 1.0, "deadline": start + timedelta(days=25)})
        milestone.is_reached = True
        milestone.reached_date = start + timedelta(days=20)

    def _demo_leave(self, employees, day):
        """A week off (calendar leave) for the first employee: capacity shows it."""
        for employee in employees:
            self.env["resource.calendar.leaves"].create({
                "name": "Holiday", "resource_id": employee.resource_id.id,
                "calendar_id": employee.resource_calendar_id.id,
                "company_id": employee.company_id.id,
                "date_from": datetime.combine(day, time(0, 0)),
                "date_to": datetime.combine(day + timedelta(days=4), time(23, 59, 59))})

    def _demo_time(self, rng, projects, employees, start, end):
        """Two or three entries a working day per employee on the history projects, one in
        ten written off."""
        vals_list = []
        day = start
        while day <= end:
            if day.weekday() < 5:
                for employee in employees:
                    work = ROLE_WORK[employee.job_id.name]
                    for _i in range(rng.randint(2, 3)):
                        project = rng.choice(projects)
                        label, low, high = rng.choice(work)
                        fitting = project.task_ids.filtered(
                            lambda t, e=employee: t.service_type_id.code
                            in ROLE_TYPES.get(e.job_id.name, ()))
                        task = rng.choice(fitting) if fitting else False
                        vals = {
                            "name": label, "date": day, "employee_id": employee.id,
                            "project_id": project.id, "task_id": task.id if task else False,
                            "unit_amount": round(rng.uniform(low, high) * 4) / 4,
                        }
                        if rng.random() < WRITE_OFF:
                            vals.update(exclude_from_billing=True,
                                        exclusion_reason="Rework on our side, written off")
                        vals_list.append(vals)
            day += timedelta(days=1)
        self.env["account.analytic.line"].with_context(agency_scope_skip=True).create(vals_list)

    def _demo_budgets(self, projects):
        """The budget each finished project had: what it took, less the usual overrun."""
        groups = self.env["account.analytic.line"]._read_group(
            [("project_id", "in", [p.id for p in projects]), ("service_type_id", "!=", False),
             ("is_billable", "=", True)],
            ["project_id", "service_type_id"], ["unit_amount:sum"])
        self.env["agency.scope.line"].with_context(agency_scope_skip=True).create([{
            "project_id": project.id, "service_type_id": stype.id,
            "budget_hours": round(hours / OVERRUN.get(stype.code, 1.0)),
        } for project, stype, hours in groups if hours >= 1])

    # ------------------------------------------------------------------
    # Billing and payments
    # ------------------------------------------------------------------

    def _demo_release_retainer(self, umbrella):
        """Give back the demo month's retainer run (its drafts), so the history's periods
        can be settled first; returns the period end it was billed from."""
        drafts = self.env["account.move"].search([
            ("partner_id", "child_of", umbrella.id), ("state", "=", "draft"),
            ("move_type", "=", "out_invoice")])
        if not drafts.retainer_period_ids:
            return False
        first = min(drafts.retainer_period_ids.mapped("date_from"))
        drafts.unlink()
        return first - timedelta(days=1)

    def _demo_run(self, client, day, due=False):
        """Bill ``client`` as on ``day``: its due cycle, or everything up to ``day``."""
        # As the cron does: the clients due on one day are billed in that day's one run.
        Run = self.env["agency.billing.run"].with_context(agency_billing_today=day,
                                                          agency_billing_day_run=True)
        # The day is passed on: the client's own today would be the real one.
        run = Run._run_due(day, clients=client) if due else Run._run_clients(client, today=day)
        # The day's scheduled run bills every client due that day: this client's drafts.
        return run.invoice_ids.filtered(
            lambda m: m.state == "draft" and m.commercial_partner_id == client)

    def _demo_post(self, moves, client, period_end):
        lag, send, _late = CLIENTS.get(client.get_external_id().get(client.id), (4, 1, (2, 10)))
        term = self.env.ref("account.account_payment_term_30days")
        for move in moves:
            if move.partner_id.commercial_partner_id.name.startswith("Globex"):
                move.ref = move.ref or "PO-%s" % period_end.strftime("%Y%m")
            invoice_date = period_end + timedelta(days=lag)
            move.with_context(agency_review_reason="Demo history").write({
                "invoice_date": invoice_date, "invoice_payment_term_id": term.id})
            move.action_post()
            move.write({"review_state": "sent",
                        "agency_sent_at": datetime.combine(
                            invoice_date + timedelta(days=send), time(9, 0))})
        return moves

    def _demo_payments(self, rng, invoices, until):
        """Pay the history invoices per each client's habit: a credit note on Acme's third,
        Globex's second-to-last paid only half, Initech's fourth disputed and unpaid."""
        by_client = {}
        for move in invoices.sorted(lambda m: (m.invoice_date, m.id)):
            by_client.setdefault(move.commercial_partner_id, []).append(move)
        for client, moves in by_client.items():
            late = CLIENTS.get(client.get_external_id().get(client.id), (4, 1, (2, 10)))[2]
            for index, move in enumerate(moves):
                if client.name.startswith("Acme") and index == 2:
                    self._demo_credit_note(move)
                if client.name.startswith("Initech") and index == 3:
                    move.write({"disputed": True, "dispute_reason": "Hours of the launch "
                                "phase contested", "dispute_date": move.invoice_date
                                + timedelta(days=9)})
                    continue
                day = move.invoice_date_due + timedelta(days=rng.randint(*late))
                if day >= until or not move.amount_residual:
                    continue
                amount = move.amount_residual
                if client.name.startswith("Globex") and index == len(moves) - 2:
                    amount = move.currency_id.round(amount / 2)
                self.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=move.ids,
                ).create({"payment_date": day, "amount": amount,
                          "payment_difference_handling": "open"})._create_payments()

    def _demo_credit_note(self, move):
        """A 10 % goodwill credit on the invoice's first line, reconciled with it."""
        line = move.invoice_line_ids.filtered("sale_line_ids")[:1] or move.invoice_line_ids[:1]
        refund = self.env["account.move"].create({
            "move_type": "out_refund", "partner_id": move.partner_id.id,
            "invoice_date": move.invoice_date + timedelta(days=12),
            "reversed_entry_id": move.id, "ref": "Goodwill: revisions over scope",
            "currency_id": move.currency_id.id,
            "invoice_line_ids": [Command.create({
                "product_id": line.product_id.id, "name": "Goodwill credit",
                "quantity": 1, "price_unit": move.currency_id.round(line.price_subtotal * 0.1),
                "tax_ids": [Command.set(line.tax_ids.ids)],
                "sale_line_ids": [Command.set(line.sale_line_ids.ids)]})],
        })
        refund.action_post()
        lines = (move | refund).line_ids.filtered(
            lambda aml: aml.display_type == "payment_term" and not aml.reconciled)
        if len(lines.move_id) == 2:
            lines.reconcile()
