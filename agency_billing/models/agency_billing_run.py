"""Billing runs: draft each due client's invoices through Odoo's own sale-order invoicing.

A run is one record listing, per client, the period it billed, the invoices it drafted,
what it skipped and why (held time, no billable time, no contract, another run billing
the client) and the errors. The chain, in the shape of OCA ``contract``:

    _due_jobs()        which clients are due: cycle reached, milestone reached
    _bill_chunk()      lock the clients, settle retainers, invoice their contracts with
                       ``sale.order._create_invoices`` (each time entry is invoiced once,
                       through ``timesheet_invoice_id``), link what the invoices billed,
                       raise the anomaly flags, advance the clients' cycles
    _auto_send()       post and send the drafts the clients let go without review

A chunk of clients is one savepoint; when it fails, its clients are retried one by one so
one failing client never sinks the others and no client is ever half invoiced. Clients are
locked (``FOR NO KEY UPDATE SKIP LOCKED`` on their partner row, which every billing
updates), so two runs started at the same moment bill each client once. Run from the
cron, each chunk is committed; anywhere else (buttons, tests) nothing is committed.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from odoo import _, api, fields, http, models, modules
from odoo.exceptions import AccessError
from odoo.tools import SQL, split_every

from ..access import check_action
from ..lib import billing_cycle, dates
from ..lib.concurrency import collision_label, is_collision, quiet_collisions

_logger = logging.getLogger(__name__)

JOB_KINDS = [
    ("cycle", "Billing cycle"),
    ("milestone", "Milestone reached"),
    ("manual", "Run by hand"),
]
OUTCOMES = [
    ("invoiced", "Invoiced"),
    ("skipped", "Skipped"),
    ("error", "Error"),
]
# How a run was started (``agency.billing.run.trigger``).
TRIGGERS = [
    ("cron", "Scheduled"),
    ("button", "Button"),
    ("api", "API or script"),
]
# The route of Odoo's web client pressing a button of type "object".
BUTTON_ROUTE = "/web/dataset/call_button"
REASONS = [
    ("in_review", "Waiting for review"),
    ("sent", "Sent automatically"),
    ("missing_po", "Held: missing PO number"),
    ("no_billing_contact", "Held: no billing contact"),
    ("einvoice_invalid", "Held: e-invoice fails validation"),
    ("no_billable_time", "No billable time"),
    ("held_time", "Only held time"),
    ("review_time", "Only time to classify"),
    ("no_contract", "No confirmed contract"),
    ("locked", "Billed by another run"),
    ("error", "Error"),
]


@dataclass
class Job:
    """One client to bill in a run."""

    client: object  # res.partner (commercial partner)
    kind: str  # cycle / milestone / manual
    end: date  # time up to this day is invoiced
    start: date | None = None
    milestones: object = None  # project.milestone (milestone jobs)
    outcome: str = "skipped"
    reason: str = "no_billable_time"
    message: str = ""
    invoices: object = None
    held_hours: float = 0.0
    review_hours: float = 0.0
    review_count: int = 0
    auto_send: object = None
    orders: object = None
    extra: dict = field(default_factory=dict)

    def reset(self):
        """Forget what a failed attempt decided."""
        self.outcome, self.reason, self.message = "skipped", "no_billable_time", ""
        self.invoices = self.auto_send = self.orders = None
        self.held_hours = self.review_hours = 0.0
        self.review_count = 0
        self.extra.pop("lines", None)
        self.extra.pop("left_to_cycle", None)


class AgencyBillingRun(models.Model):
    """One billing run: the clients it billed, skipped or failed, and the invoices it
    drafted."""

    _name = "agency.billing.run"
    _description = "Billing Run"
    _order = "date desc, name desc, id desc"

    name = fields.Char(required=True, readonly=True)
    trigger = fields.Selection(
        TRIGGERS, required=True, readonly=True,
        help="How the run was started: Scheduled (the billing cron, also when a reached "
        "milestone woke it), Button (a person pressed Bill All Due Clients Now, Run Billing "
        "Now or the Run Billing wizard in Odoo), API or script (the same methods called "
        "over XML-RPC / JSON-RPC, or by server code).",
    )
    date = fields.Date(required=True, readonly=True, help="The day the run billed for.")
    # Named as on sync runs (agency.sync.run.user_id).
    user_id = fields.Many2one(
        "res.users", string="Started By", readonly=True,
        help="The user who started the run (for scheduled runs, the cron's user).")
    # A run bills the due clients of every company (each contract in its own company):
    # it has no company; its lines carry their client's, its invoices their own.
    company_id = fields.Many2one("res.company", readonly=True)
    started_at = fields.Datetime(readonly=True)
    ended_at = fields.Datetime(readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("errors", "Done with errors")],
        default="running", required=True, readonly=True,
    )
    line_ids = fields.One2many("agency.billing.run.line", "run_id", string="Clients",
                               readonly=True)
    invoice_ids = fields.One2many("account.move", "billing_run_id", string="Invoices",
                                  readonly=True)
    invoice_count = fields.Integer(compute="_compute_counts")
    client_count = fields.Integer(compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")
    error_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.outcome", "invoice_ids")
    def _compute_counts(self):
        for run in self:
            run.invoice_count = len(run.invoice_ids)
            run.client_count = len(run.line_ids)
            run.skipped_count = len(run.line_ids.filtered(lambda line: line.outcome == "skipped"))
            run.error_count = len(run.line_ids.filtered(lambda line: line.outcome == "error"))

    def action_view_invoices(self):
        check_action(self, "read")
        return self.invoice_ids._get_records_action(name=_("Invoices"))

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------

    @api.model
    def _cron_billing(self, batch_size=500):
        """Cron: bill the clients that are due (cycle or milestone reached, each on its
        own calendar day), then retry the invoices that failed to send. Reports progress
        so the cron loops while clients remain due (one period per client per call)."""
        today = self.env.company._agency_fixed_today()
        runner = self.sudo().with_context(agency_billing_commit=True,
                                          agency_billing_day_run=True)
        run = runner._run_due(today, limit=batch_size, skip_recent_errors=True)
        # sudo: the billing cron retries sending.
        self.env["account.move"].sudo()._agency_retry_sending()
        done = len(run.line_ids) if run else 0
        remaining = len(runner._due_jobs(today, limit=batch_size, skip_recent_errors=True))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)

    @api.model
    def _run_due(self, today=None, limit=500, skip_recent_errors=False, clients=None,
                 trigger="cron"):
        """Bill every client due on ``today`` (only among ``clients`` when given); return
        the run, or an empty recordset when nobody is due. Without ``today`` each client
        is due on its own today (its time zone, see ``res.partner._agency_today``).
        ``trigger`` says how the run was started (``cron``, ``button``, ``api``).
        Called by the cron (context key ``agency_billing_day_run``), the clients are
        added to the day's one scheduled run (:meth:`_scheduled_run_of`)."""
        jobs = self._due_jobs(today, limit=limit, skip_recent_errors=skip_recent_errors,
                              clients=clients)
        if not jobs:
            return self.browse()
        day = today or self.env.company._agency_billing_today()
        day_run = trigger == "cron" and self.env.context.get("agency_billing_day_run")
        run = (self._scheduled_run_of(day) if day_run else None) or self._start(trigger, day)
        run._execute(jobs)
        return run

    @api.model
    def _scheduled_run_of(self, day):
        """The cron's run of this day, reopened, or None: the hourly cron adds the clients
        that fall due later in the day (a reached milestone, a client whose day starts
        later) to the day's one scheduled run instead of starting another."""
        run = self.search([("trigger", "=", "cron"), ("date", "=", day)], limit=1,
                          order="id")
        if run:
            run.write({"state": "running", "ended_at": False})
        return run or None

    @api.model
    def _run_number(self, day):
        """The run's number: its day and its rank among the runs of that day
        (``RUN/2026-11-03/01``), so runs read in date order whatever order they were
        made in (a run for a past period, a back-filled history)."""
        rank = self.search_count([("date", "=", day)]) + 1
        return f"RUN/{fields.Date.to_string(day)}/{rank:02d}"

    @api.model
    def _run_clients(self, clients, trigger=None, today=None):
        """Bill these clients now: everything delivered up to ``today`` (by default each
        client's today, in its time zone). ``trigger`` defaults to how the current request
        came (see ``_agency_person_trigger``)."""
        trigger = trigger or self._agency_person_trigger()
        runner = self.sudo()
        # Each client's today in the run's environment (a day the run's context fixes
        # wins over the clients' own environment).
        jobs = [Job(client=client, kind="manual",
                    end=today or client.with_env(self.env)._agency_today())
                for client in clients.commercial_partner_id]
        run = runner._start(trigger, today or self.env.company._agency_billing_today())
        run._execute(jobs)
        return run.with_env(self.env)

    @api.model
    def _start(self, trigger, today):
        number = self._run_number(today)
        return self.create({
            "name": _("%(number)s, %(trigger)s", number=number,
                      trigger=self._agency_trigger_label(trigger)),
            "trigger": trigger,
            "date": today,
            "user_id": self.env.uid,
            "started_at": fields.Datetime.now(),
        })

    @api.model
    def _agency_person_trigger(self):
        """How a person's call started a run: ``button`` when Odoo's web client pressed a
        button, ``api`` for any other call (XML-RPC, JSON-RPC, server code)."""
        request = http.request
        path = request.httprequest.path if request else ""
        return "button" if path.startswith(BUTTON_ROUTE) else "api"

    @api.model
    def _agency_trigger_label(self, trigger):
        """The end of a run's name: how and by whom it was started ("scheduled" only for
        the cron)."""
        if trigger == "cron":
            return _("scheduled")
        person = self.env.user.name
        if trigger == "button":
            return _("started by %s", person)
        return _("started by %s over the API", person)

    def action_agency_bill_due_now(self):
        """Bill All Due Clients Now (billing managers): what the billing cron would do now,
        at once; returns the run, or says that nobody is due."""
        if not self.env.user.has_group("agency_billing.group_agency_billing_manager"):
            raise AccessError(_("Only Agency Billing administrators run billing."))
        # sudo: the access check above; runs read and write billing data of every client.
        # each client on its own day unless the context fixes one
        run = self.sudo()._run_due(self.env.company._agency_fixed_today(),
                                   trigger=self._agency_person_trigger())
        if not run:
            return {"type": "ir.actions.client", "tag": "display_notification", "params": {
                "type": "info", "title": _("Nothing to bill"),
                "message": _("No client with billing automation is due today."),
            }}
        return run.with_env(self.env)._get_records_action(name=_("Billing Run"))

    # ------------------------------------------------------------------
    # What is due
    # ------------------------------------------------------------------

    @api.model
    def _due_jobs(self, today=None, limit=500, skip_recent_errors=False, clients=None):
        """Clients to bill on ``today`` (hook): those whose cycle reached its next billing
        date (one period each), and those with a reached milestone not invoiced yet.
        Without ``today``, each client's own today (its time zone) decides."""
        Partner = self.env["res.partner"].sudo()
        domain = [
            ("billing_automation", "=", True),
            ("billing_cycle", "in", billing_cycle.PERIODIC),
            # No zone's today is later: the exact day of each client is checked below.
            ("billing_next_date", "<=", today or dates.latest_today()),
        ]
        if clients is not None:
            domain.append(("id", "in", clients.commercial_partner_id.ids))
        if skip_recent_errors:
            domain += self._retry_later_domain()
        jobs = {}
        for client in Partner.search(domain, order="billing_next_date, id"):
            if len(jobs) >= limit:
                break
            if not today and client.billing_next_date > client._agency_today():
                continue  # not yet the billing date where the client is
            cycle = client._agency_billing_cycle()
            start, end = billing_cycle.period(cycle, client.billing_next_date)
            jobs[client] = Job(client=client, kind="cycle", start=start, end=end)
        for client, milestones in self._reached_milestones().items():
            if clients is not None and client not in clients.commercial_partner_id:
                continue
            if client in jobs or len(jobs) >= limit:
                continue  # a cycle run invoices the milestone lines too
            if skip_recent_errors and not client.filtered_domain(self._retry_later_domain()):
                continue
            jobs[client] = Job(client=client, kind="milestone",
                               end=today or client._agency_today(), milestones=milestones)
        return list(jobs.values())

    @api.model
    def _retry_later_domain(self):
        """Clients that failed less than an hour ago wait for the next cron tick."""
        an_hour_ago = fields.Datetime.subtract(fields.Datetime.now(), hours=1)
        return ["|", ("billing_last_error_at", "=", False),
                ("billing_last_error_at", "<", an_hour_ago)]

    @api.model
    def _reached_milestones(self):
        """{client: milestones} reached, not invoiced yet, whose sale line has something to
        invoice, of clients with billing automation on a cycle other than manual (hook)."""
        milestones = self.env["project.milestone"].sudo().search([
            ("is_reached", "=", True),
            ("agency_invoice_id", "=", False),
            ("sale_line_id.qty_to_invoice", ">", 0),
            ("sale_line_id.order_id.state", "=", "sale"),
        ])
        by_client = {}
        for milestone in milestones:
            client = milestone.sale_line_id.order_id.partner_id.commercial_partner_id
            if client.billing_automation and client.billing_cycle != "manual":
                # sudo: the run's own work.
                by_client.setdefault(client, self.env["project.milestone"].sudo())
                by_client[client] |= milestone
        return by_client

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------

    def _execute(self, jobs, chunk_size=50):
        """Bill the jobs chunk by chunk; record the outcome of each client."""
        self.ensure_one()
        for chunk in split_every(chunk_size, jobs, list):
            try:
                with quiet_collisions(), self.env.cr.savepoint():
                    self._bill_chunk(chunk)
            except Exception as error:  # isolate the client that failed: retry one by one
                if is_collision(error):
                    _logger.info("Billing run %s: a chunk collided with another transaction "
                                 "(%s); billing its clients one by one", self.id,
                                 collision_label(error))
                for job in chunk:
                    self._bill_alone(job)
            self._record(chunk)
            self._auto_send(chunk)
            self._commit_if_cron()
        # A reopened scheduled run: errors are those of each client's latest attempt.
        latest = {line.partner_id: line.outcome for line in self.line_ids.sorted("id")}
        self.write({
            "state": "errors" if "error" in latest.values() else "done",
            "ended_at": fields.Datetime.now(),
        })
        self._commit_if_cron()

    def _bill_alone(self, job):
        job.reset()
        try:
            with quiet_collisions(), self.env.cr.savepoint():
                self._bill_chunk([job])
        except Exception as error:  # recorded on the run: one client never sinks a run
            if is_collision(error):
                # Another transaction (a run, a sync) changed the client's rows: the
                # client stays due and the next run bills it.
                _logger.info("Billing run %s: client %s left to the next run (%s)",
                             self.id, job.client.id, collision_label(error))
                job.invoices = job.auto_send = None  # rolled back
                job.outcome, job.reason = "skipped", "locked"
                job.message = _("Billed by another run at the same time.")
                return
            _logger.info("Billing run %s: client %s failed", self.id, job.client.id,
                         exc_info=True)
            job.invoices = job.auto_send = None  # rolled back
            job.outcome, job.reason = "error", "error"
            job.message = str(error) or error.__class__.__name__

    def _commit_if_cron(self):
        """Commit what is done when running as the cron (never in tests or buttons), so a
        run that dies later keeps the clients it completed."""
        if self.env.context.get("agency_billing_commit") and not modules.module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _bill_chunk(self, jobs):
        """Bill a chunk of clients, all or nothing (the caller holds a savepoint)."""
        locked = self._lock_clients(self.env["res.partner"].union(*(j.client for j in jobs)))
        todo = []
        for job in jobs:
            if job.client.id in locked:
                todo.append(job)
            else:
                job.outcome, job.reason = "skipped", "locked"
                job.message = _("Billed by another run at the same time.")
        if not todo:
            return
        self._select_orders(todo)
        periods = self._settle_retainers(todo)
        self.env.flush_all()
        self._create_invoices(todo)
        moves = self.env["account.move"].union(*(job.invoices for job in todo))
        self._link_billed(todo, periods)
        moves._agency_fill_period_start()
        moves._agency_check_anomalies()
        self._conclude(todo)

    def _lock_clients(self, clients):
        """Ids of the clients this run may bill: locked now, not by another run. A client
        a concurrent run billed after this transaction started raises
        SerializationFailure (its partner row changed)."""
        self.env.cr.execute(SQL(
            "SELECT id FROM res_partner WHERE id IN %s ORDER BY id "
            "FOR NO KEY UPDATE SKIP LOCKED", tuple(clients.ids),
        ), log_exceptions=False)
        return {row[0] for row in self.env.cr.fetchall()}

    def _select_orders(self, jobs):
        """The confirmed contracts each job invoices, one search for the chunk (hook)."""
        clients = self.env["res.partner"].union(*(job.client for job in jobs))
        # sudo: the run's own work: the clients' confirmed contracts.
        orders = self.env["sale.order"].sudo().search([
            ("state", "=", "sale"),
            ("partner_id.commercial_partner_id", "in", clients.ids),
        ], order="id")
        by_client = {}
        for order in orders:
            client = order.partner_id.commercial_partner_id
            by_client[client] = by_client.get(client, orders.browse()) | order
        for job in jobs:
            job_orders = by_client.get(job.client, orders.browse())
            if job.kind == "milestone" and job.client.billing_cycle != "milestone":
                # Only the milestone lines; the time waits for the client's cycle.
                job_orders = job.milestones.sale_line_id.order_id & job_orders
                job.extra["lines"] = job.milestones.sale_line_id
            elif job.kind == "manual" and job.client.billing_cycle in billing_cycle.PERIODIC:
                # A retainer is settled once per period, by the cycle.
                job.extra["left_to_cycle"] = job_orders.filtered("retainer_line_id")
                job_orders -= job.extra["left_to_cycle"]
            job.orders = job_orders

    def _settles_retainers(self, job):
        return job.kind == "cycle" or (
            job.client.billing_cycle not in billing_cycle.PERIODIC and "lines" not in job.extra
        )

    def _settle_retainers(self, jobs):
        """Settle the retainer period of each retainer contract billed up to the job's end
        (before invoicing: it changes what the time lines deliver) (hook)."""
        periods = self.env["agency.retainer.period"]
        for job in jobs:
            if not self._settles_retainers(job):
                continue
            for order in job.orders.filtered("retainer_line_id"):
                periods |= order._agency_settle_retainer(job.end, start=job.start, run=self)
        return periods

    def _create_invoices(self, jobs):
        """Invoice the chunk's contracts with Odoo's own ``_create_invoices``: one call per
        company, period end and grouping; time up to each period end only (hook)."""
        groups = {}
        for job in jobs:
            grouped = job.client.invoice_grouping == "project"
            for order in job.orders:
                key = (order.company_id, job.end, grouped)
                groups.setdefault(key, []).append((job, order))
        values = {job.client.id: self._invoice_values(job) for job in jobs}
        lines = {}
        for job in jobs:
            for order in job.orders:
                if "lines" in job.extra:
                    lines[order.id] = (job.extra["lines"] & order.order_line).ids
        moves = self.env["account.move"]
        for (company, end, grouped), pairs in groups.items():
            # sudo: the run's own work: invoicing the contracts of a chunk.
            orders = self.env["sale.order"].sudo().union(*(order for _job, order in pairs))
            orders = orders.with_company(company).with_context(
                timesheet_end_date=end,
                raise_if_nothing_to_invoice=False,
                agency_billing_run=True,
                agency_invoice_values=values,
                agency_invoice_lines=lines,
                mail_create_nolog=True,
            )
            bounded = orders.filtered(lambda o: o.id not in lines).order_line
            bounded._recompute_qty_to_invoice(None, end)
            moves |= orders._create_invoices(grouped=grouped)
            # The bound applied to this invoicing only: what is left to invoice (time after
            # the period end) is Odoo's own computation again.
            self.env.add_to_compute(bounded._fields["qty_to_invoice"], bounded)
        for job in jobs:
            job.invoices = moves.filtered(lambda m, c=job.client: m.commercial_partner_id == c)

    def _invoice_values(self, job):
        """Values every invoice drafted for this job starts with (hook)."""
        return {
            "billing_run_id": self.id,
            "billing_trigger": job.kind,
            "billing_period_start": job.start,
            "billing_period_end": job.end,
            "review_state": "to_review",
        }

    def _link_billed(self, jobs, periods):
        """Link what the new invoices billed: retainer periods (and the time they covered),
        milestones reached (hook)."""
        moves = self.env["account.move"].union(*(job.invoices for job in jobs))
        if not moves:
            return
        sale_lines = {move: move.invoice_line_ids.sale_line_ids for move in moves}
        for period in periods:
            move = next((m for m, sols in sale_lines.items()
                         if period.order_id.retainer_line_id in sols), None)
            if move:
                period._link_invoice(move)
        # sudo: the run's own work: marking milestones invoiced.
        milestones = self.env["project.milestone"].sudo().search([
            ("sale_line_id", "in", moves.invoice_line_ids.sale_line_ids.ids),
            ("is_reached", "=", True),
            ("agency_invoice_id", "=", False),
        ])
        for milestone in milestones:
            move = next((m for m, sols in sale_lines.items() if milestone.sale_line_id in sols),
                        None)
            milestone.agency_invoice_id = move

    def _conclude(self, jobs):
        """Outcome of each job; advance the cycles; mark the clients billed by this run
        (this update is what makes a concurrent run skip them) (hook)."""
        held = self.env["account.analytic.line"]._agency_held_time(
            self.env["sale.order"].union(*(job.orders for job in jobs)))
        self._log_drafted(jobs)
        for job in jobs:
            job.held_hours = held.total(job.orders.ids, job.end, "hold")[1]
            job.review_count, job.review_hours, review_ids = held.total(
                job.orders.ids, job.end, "review")
            job.auto_send = self.env["account.move"]
            if job.invoices:
                job.outcome = "invoiced"
                blocking = job.invoices.filtered("has_blocking_anomaly")
                if blocking:
                    codes = blocking.anomaly_ids.filtered(
                        lambda a: a.severity == "blocking").mapped("code")
                    job.reason = next(
                        (code for code in ("missing_po", "no_billing_contact",
                                           "einvoice_invalid") if code in codes),
                        "no_billing_contact")
                    job.message = "; ".join(blocking.anomaly_ids.filtered(
                        lambda a: a.severity == "blocking").mapped("reason"))
                elif job.client.auto_send:
                    job.auto_send = job.invoices.filtered(lambda m: not m.anomaly_count)
                    job.reason = "sent" if job.auto_send == job.invoices else "in_review"
                else:
                    job.reason = "in_review"
            elif job.extra.get("left_to_cycle"):
                job.reason = "no_billable_time"
                job.message = _("Retainer contracts (%s) are billed by the client's cycle.",
                                ", ".join(job.extra["left_to_cycle"].mapped("name")))
            elif not job.orders:
                job.reason = "no_contract"
                job.message = _("No confirmed sale order (contract) for this client.")
            elif job.held_hours:
                job.reason = "held_time"
                job.message = _("Only held time (%s h) up to the period end.",
                                format(job.held_hours, ".2f"))
            elif job.review_hours:
                job.reason = "review_time"
            else:
                job.reason = "no_billable_time"
            if review_ids:
                job.message = "\n".join(filter(None, [job.message, self._review_message(
                    # sudo: the run names the entries waiting to be classified on its run line.
                    self.env["account.analytic.line"].sudo().browse(review_ids),
                    job.review_hours)]))
        for job in jobs:
            values = {"billing_last_run_id": self.id, "billing_last_error": False,
                      "billing_last_error_at": False}
            if job.kind == "cycle":
                values["billing_last_period_end"] = job.end
            # sudo: the run advances the client's cycle (fields people do not edit).
            job.client.sudo().write(values)

    def _review_message(self, entries, hours):
        """What the run says about time it left out until someone classifies it."""
        return _(
            "%(count)s time entries (%(hours)s h) need their service type decided and were "
            "left out until classified (Time to Review): %(entries)s.",
            count=len(entries), hours=format(hours, ".2f"),
            entries="; ".join(entries._agency_entry_labels()))

    def _log_drafted(self, jobs):
        """Say on each new invoice which run drafted it, for what and for which period."""
        kinds = dict(JOB_KINDS)
        bodies = {}
        for job in jobs:
            for move in job.invoices or []:
                if job.start:
                    period = _("%(start)s – %(end)s", start=job.start, end=job.end)
                else:
                    period = _("up to %s", job.end)
                bodies[move.id] = _(
                    "Drafted by billing run %(run)s (%(kind)s), time %(period)s.",
                    run=self.name, kind=kinds[job.kind], period=period,
                )
        if bodies:
            self.env["account.move"].browse(list(bodies))._message_log_batch(bodies=bodies)

    def _record(self, jobs):
        """One run line per job; failing clients keep their error (and stay due)."""
        # sudo: run lines are written by the run only.
        self.env["agency.billing.run.line"].sudo().create([{
            "run_id": self.id,
            "partner_id": job.client.id,
            "kind": job.kind,
            "period_start": job.start,
            "period_end": job.end,
            "outcome": job.outcome,
            "reason": job.reason,
            "message": job.message or False,
            "held_hours": job.held_hours,
            "review_hours": job.review_hours,
            "review_count": job.review_count,
            "invoice_ids": [(6, 0, job.invoices.ids)] if job.invoices else [],
        } for job in jobs])
        for job in jobs:
            if job.outcome == "error":
                # sudo: the run records the client's error (fields people do not edit).
                job.client.sudo().write({"billing_last_error": job.message[:500],
                                         "billing_last_error_at": fields.Datetime.now()})

    def _auto_send(self, jobs):
        """Post and send, each in its own savepoint, the drafts nothing flagged of clients
        that send automatically (hook)."""
        for job in jobs:
            for move in job.auto_send or []:
                try:
                    with self.env.cr.savepoint():
                        move._agency_approve(auto=True)
                except Exception as error:  # it stays in the review queue, with the reason
                    move.message_post(body=_(
                        "Could not be posted automatically: %s. It waits in the review "
                        "queue.", error), subtype_xmlid="mail.mt_note")


class AgencyBillingRunLine(models.Model):
    """What a billing run did for one client."""

    _name = "agency.billing.run.line"
    _description = "Billing Run Client"
    _order = "run_id desc, id"

    run_id = fields.Many2one("agency.billing.run", required=True, ondelete="cascade",
                             index=True)
    partner_id = fields.Many2one("res.partner", string="Client", required=True, index=True)
    company_id = fields.Many2one(related="partner_id.company_id", store=True, index=True,
                                 string="Client's Company")
    kind = fields.Selection(JOB_KINDS, string="Trigger", required=True)
    period_start = fields.Date(string="From")
    period_end = fields.Date(string="Up To")
    outcome = fields.Selection(OUTCOMES, required=True)
    reason = fields.Selection(REASONS)
    message = fields.Text()
    held_hours = fields.Float(digits=(16, 2),
                              help="Held time up to the period end, left out.")
    review_count = fields.Integer(
        string="Entries to Classify",
        help="Time entries up to the period end left out until their service type is "
        "decided (named in the message).")
    review_hours = fields.Float(
        string="Hours to Classify", digits=(16, 2),
        help="Raw hours of those entries.")
    invoice_ids = fields.Many2many("account.move", string="Invoices")
