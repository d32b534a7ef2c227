"""Customer invoices in Agency Billing: review queue, anomaly flags, sending, reminders.

Billing runs draft invoices through Odoo's own sale-order invoicing; this model carries
what happens next. A draft waits in the *review queue* (``review_state = to_review``)
with its anomaly flags and their reasons, unless the client sends automatically and
nothing is flagged. Approving posts it and sends it through Odoo's own send flow
(``account.move.send``) to the client's billing contacts, with the portal link and
"Pay now". A send that fails leaves the invoice posted with the error; the billing cron
retries it. Overdue invoices get reminders per the client's policy until paid or
disputed. Every decision leaves a note in the chatter: who, when, why.

The checks themselves are plain functions in ``..lib.anomaly`` and ``..lib.reminder``.
"""

from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

from ..lib import anomaly, reminder
from .agency_billing_run import agency_today
from .agency_retainer_period import NOT_INVOICED
from .res_partner import DETAIL_LEVELS

REVIEW_STATES = [
    ("to_review", "To Review"),
    ("approved", "Approved"),
    ("sent", "Sent"),
]
BILLING_TRIGGERS = [
    ("cycle", "Billing cycle"),
    ("milestone", "Milestone reached"),
    ("manual", "Run by hand"),
]
MAX_SEND_ATTEMPTS = 5
# Edits of a draft under review that are worth a note (and re-checking the flags).
REVIEW_EDIT_FIELDS = {"invoice_line_ids", "line_ids", "ref", "partner_id", "invoice_date",
                      "agency_detail_level"}


class AccountMove(models.Model):
    _inherit = "account.move"

    billing_run_id = fields.Many2one(
        "agency.billing.run", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null",
    )
    billing_trigger = fields.Selection(BILLING_TRIGGERS, readonly=True, copy=False)
    billing_period_start = fields.Date(string="Period From", copy=False)
    billing_period_end = fields.Date(string="Period To", copy=False)
    review_state = fields.Selection(
        REVIEW_STATES, copy=False, index="btree_not_null", readonly=True, tracking=True,
        help="To Review: drafted by a billing run, waiting for someone to approve it. "
        "Approved: posted, being sent (or waiting for a retry). Sent: sent to the billing "
        "contacts.",
    )
    anomaly_ids = fields.One2many(
        "agency.invoice.anomaly", "move_id", string="Anomaly Flags", readonly=True,
    )
    anomaly_count = fields.Integer(
        string="Open Flags", compute="_compute_anomaly_summary", store=True,
    )
    anomaly_summary = fields.Char(string="Flags", compute="_compute_anomaly_summary",
                                  store=True)
    has_blocking_anomaly = fields.Boolean(compute="_compute_anomaly_summary", store=True)
    agency_detail_level = fields.Selection(
        DETAIL_LEVELS, string="Time Detail", compute="_compute_agency_detail_level",
        store=True, readonly=False, tracking=True,
        help="How much of the time behind this invoice its PDF shows (from the client's "
        "preferences).",
    )
    send_error = fields.Text(copy=False, readonly=True,
                             help="Why the last attempt to send this invoice failed.")
    send_attempts = fields.Integer(copy=False, readonly=True)
    agency_sent_at = fields.Datetime(string="Sent On", copy=False, readonly=True)
    disputed = fields.Boolean(
        copy=False, tracking=True,
        help="The client disputes this invoice: no reminder is sent while it is disputed.",
    )
    dispute_reason = fields.Char(copy=False, tracking=True)
    dispute_date = fields.Date(
        copy=False, readonly=True, help="When the invoice was first flagged as disputed.",
    )
    reminder_ids = fields.One2many(
        "agency.invoice.reminder", "move_id", string="Reminders", readonly=True,
    )
    reminder_count = fields.Integer(compute="_compute_reminder_count")
    retainer_period_ids = fields.One2many(
        "agency.retainer.period", "invoice_id", string="Retainer Periods", readonly=True,
    )
    billing_milestone_ids = fields.One2many(
        "project.milestone", "agency_invoice_id", string="Milestones Invoiced", readonly=True,
    )

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("anomaly_ids.state", "anomaly_ids.severity", "anomaly_ids.code")
    def _compute_anomaly_summary(self):
        labels = dict(self.env["agency.invoice.anomaly"]._fields["code"]._description_selection(
            self.env))
        for move in self:
            flags = move.anomaly_ids.filtered(lambda a: a.state == "open")
            move.anomaly_count = len(flags)
            move.has_blocking_anomaly = any(a.severity == "blocking" for a in flags)
            move.anomaly_summary = ", ".join(
                dict.fromkeys(labels.get(a.code, a.code) for a in flags)
            ) or False

    @api.depends("partner_id")
    def _compute_agency_detail_level(self):
        for move in self:
            if move.is_sale_document() and not move.agency_detail_level:
                move.agency_detail_level = move.commercial_partner_id.invoice_detail_level

    def _compute_reminder_count(self):
        counts = dict(self.env["agency.invoice.reminder"]._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]))
        for move in self:
            move.reminder_count = counts.get(move, 0)

    @api.constrains("disputed", "dispute_reason")
    def _check_dispute_reason(self):
        for move in self:
            if move.disputed and not (move.dispute_reason or "").strip():
                raise ValidationError(_("Say why the client disputes invoice %s.",
                                        move.display_name))

    # ------------------------------------------------------------------
    # Writes: disputes, edits under review, cancellations
    # ------------------------------------------------------------------

    def write(self, vals):
        edited = self.env["account.move"]
        before = {}
        if REVIEW_EDIT_FIELDS & vals.keys() and not self.env.context.get("agency_billing_run"):
            edited = self.filtered(lambda m: m.state == "draft" and m.review_state == "to_review")
            before = {move.id: move.amount_untaxed for move in edited}
        newly_disputed = self.env["account.move"]
        if vals.get("disputed"):
            newly_disputed = self.filtered(lambda m: not m.disputed)
            if "dispute_date" not in vals:
                newly_disputed.filtered(lambda m: not m.dispute_date).dispute_date = \
                    agency_today(self)
        res = super().write(vals)
        if edited:
            edited._agency_log_review_edit(before, sorted(REVIEW_EDIT_FIELDS & vals.keys()))
            edited._agency_check_anomalies()
        for move in newly_disputed:
            move.message_post(body=_(
                "Marked as disputed by %(who)s: %(why)s. Reminders stop until the dispute is "
                "resolved.", who=self.env.user.name, why=move.dispute_reason,
            ), subtype_xmlid="mail.mt_note")
        return res

    def _agency_log_review_edit(self, before, fnames):
        """A chatter note per edited draft: who changed what, and why."""
        reason = self.env.context.get("agency_review_reason") or _("no reason given")
        for move in self:
            labels = ", ".join(move._fields[f].string for f in fnames if f in move._fields)
            move.message_post(body=_(
                "Edited in review by %(who)s (%(fields)s): untaxed total %(before)s → "
                "%(after)s. Reason: %(why)s",
                who=self.env.user.name, fields=labels,
                before=format_amount(self.env, before.get(move.id, 0.0), move.currency_id),
                after=format_amount(self.env, move.amount_untaxed, move.currency_id),
                why=reason,
            ), subtype_xmlid="mail.mt_note")

    def _link_timesheets_to_invoice(self, start_date=None, end_date=None):
        """Linking entries to their invoice makes them billed: every computed value of a
        billed entry (project, classification, rate, billed time...) is kept as it is,
        so they are protected from a recomputation that would change nothing and costs
        more than the invoicing itself on invoices of many entries."""
        sale_lines = self.invoice_line_ids.sale_line_ids.filtered(
            lambda sol: sol.product_id.invoice_policy == "delivery"
            and sol.product_id.service_type == "timesheet"
        )
        if not sale_lines:
            return super()._link_timesheets_to_invoice(start_date, end_date)
        Line = self.env["account.analytic.line"].sudo()
        entries = Line.search([("so_line", "in", sale_lines.ids), *NOT_INVOICED])
        with self.env.protecting(Line._agency_fields_kept_when_billed(), entries):
            batched = self._agency_link_timesheets(start_date, end_date)
            # Odoo's own linking (invoice line by invoice line) for any other move.
            return super(AccountMove, self - batched)._link_timesheets_to_invoice(
                start_date, end_date)

    def _agency_link_timesheets(self, start_date=None, end_date=None):
        """Odoo's linking of invoiced time entries to their invoice, in one search for
        all these invoices and one write per invoice (Odoo searches and writes once per
        invoice line; rated time makes invoices of many lines). Same entries: those of
        the invoiced timesheet lines matching ``_timesheet_domain_get_invoiced_lines``
        (extensions of it apply), within the period.

        :return: the invoices linked (the draft customer invoices among these)
        """
        drafts = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "draft")
        invoice_of = {}
        for move in drafts:
            for sol in move.invoice_line_ids.sale_line_ids:
                if sol.product_id.invoice_policy == "delivery" \
                        and sol.product_id.service_type == "timesheet":
                    invoice_of[sol.id] = move.id
        if not invoice_of:
            return drafts
        sale_lines = self.env["sale.order.line"].browse(list(invoice_of))
        if not start_date and not end_date:
            start_date, end_date = self._get_range_dates(sale_lines.order_id)
        domain = self.env["account.move.line"]._timesheet_domain_get_invoiced_lines(sale_lines)
        if start_date:
            domain = [*domain, ("date", ">=", start_date)]
        if end_date:
            domain = [*domain, ("date", "<=", end_date)]
        groups = self.env["account.analytic.line"].sudo()._read_group(
            domain, ["so_line"], ["id:array_agg"])
        by_move = defaultdict(list)
        for sale_line, ids in groups:
            by_move[invoice_of[sale_line.id]].extend(ids)
        Line = self.env["account.analytic.line"].sudo()
        for move_id, ids in by_move.items():
            Line.browse(ids).write({"timesheet_invoice_id": move_id})
        return drafts

    def button_cancel(self):
        res = super().button_cancel()
        self._agency_release_billing()
        return res

    def button_draft(self):
        res = super().button_draft()
        # Reset to draft: it goes back to review (and is sent again once approved).
        self.filtered(lambda m: m.review_state).write({"review_state": "to_review"})
        return res

    def unlink(self):
        self._agency_release_billing()
        return super().unlink()

    def _agency_release_billing(self):
        """A cancelled or deleted invoice gives back what it billed: its retainer periods
        (and the time they covered) and its milestones, so the next run bills them."""
        periods = self.sudo().retainer_period_ids
        if periods:
            periods._release()
        self.sudo().billing_milestone_ids.write({"agency_invoice_id": False})
        self.filtered("review_state").write({"review_state": False})

    # ------------------------------------------------------------------
    # Anomaly flags
    # ------------------------------------------------------------------

    def action_agency_check(self):
        """Re-check the anomaly flags of these drafts."""
        self._agency_check_anomalies()
        return True

    def _agency_check_anomalies(self):
        """Raise the anomaly flags of these invoices again, in batch; flags a person
        overrode keep their override."""
        moves = self.filtered(lambda m: m.move_type == "out_invoice")
        if not moves:
            return
        self.env.flush_all()
        findings = moves._agency_find_anomalies()
        Anomaly = self.env["agency.invoice.anomaly"].sudo()
        Anomaly.search([("move_id", "in", moves.ids), ("state", "=", "open")]).unlink()
        overridden = {(a.move_id.id, a.code) for a in Anomaly.search(
            [("move_id", "in", moves.ids), ("state", "=", "overridden")])}
        Anomaly.create([
            {"move_id": move.id, "code": code, "reason": reason,
             "severity": Anomaly._severity(code)}
            for move in moves
            for code, reason in findings.get(move.id, [])
            if (move.id, code) not in overridden
        ])

    def _agency_find_anomalies(self):
        """{move id: [(code, reason), ...]} for these customer invoices (one query per
        kind of check, whatever the number of invoices)."""
        found = defaultdict(list)
        for move, reasons in self._agency_check_preferences().items():
            found[move.id] += reasons
        for move, reasons in self._agency_check_history().items():
            found[move.id] += reasons
        for move, reasons in self._agency_check_time().items():
            found[move.id] += reasons
        for move, reasons in self._agency_check_lines().items():
            found[move.id] += reasons
        return found

    def _agency_check_preferences(self):
        """Missing PO number, no billing contact."""
        found = defaultdict(list)
        for move in self:
            client = move.commercial_partner_id
            if client.po_required and not (move.ref or "").strip():
                found[move].append(("missing_po", _(
                    "%s requires a purchase order number: set it as the invoice reference "
                    "(or the contract's customer reference).", client.name)))
            if not client._agency_billing_recipients():
                found[move].append(("no_billing_contact", _(
                    "%s has no billing contact with an email address: nobody would receive "
                    "the invoice.", client.name)))
        return found

    def _agency_check_history(self):
        """Total far from the client's trailing average, hours spike, near-duplicate."""
        found = defaultdict(list)
        companies = self.company_id
        history = self._agency_trailing_invoices()
        hours = self._agency_invoice_hours(self | self.browse(
            [mid for rows in history.values() for mid, _a, _d in rows]))
        window = max(companies.mapped("agency_duplicate_days") or [14])
        others = self._agency_duplicate_candidates(window)
        for move in self:
            company = move.company_id
            rows = history.get(move.commercial_partner_id.id, [])
            amounts = [amount for _mid, amount, _day in rows]
            total = move.amount_untaxed_signed
            ratio = anomaly.deviation(total, amounts, company.agency_anomaly_total_factor)
            if ratio is not None:
                found[move].append(("total_deviation", _(
                    "Total %(total)s is %(pct)s%% of the client's average %(avg)s over the "
                    "last %(n)s invoices.",
                    total=format_amount(self.env, total, company.currency_id),
                    pct=round(ratio * 100),
                    avg=format_amount(self.env, anomaly.average(amounts), company.currency_id),
                    n=len(amounts),
                )))
            past_hours = [hours.get(mid, 0.0) for mid, _a, _d in rows if hours.get(mid)]
            ratio = anomaly.spike(hours.get(move.id, 0.0), past_hours,
                                  company.agency_anomaly_hours_factor)
            if ratio is not None:
                found[move].append(("hours_spike", _(
                    "%(hours)s billed hours: %(x)s× the client's average of %(avg)s hours.",
                    hours=f"{hours.get(move.id, 0.0):.2f}", x=f"{ratio:.1f}",
                    avg=f"{anomaly.average(past_hours):.2f}",
                )))
            candidates = [
                anomaly.Candidate(other.id, other.amount_untaxed_signed,
                                  other.invoice_date or other.date, other.billing_period_end)
                for other in others.get(move.commercial_partner_id.id, [])
                if other != move
            ]
            twin = anomaly.near_duplicate(total, move.invoice_date or move.date, candidates,
                                          days=company.agency_duplicate_days,
                                          period=move.billing_period_end)
            if twin:
                other = self.browse(twin.key)
                found[move].append(("near_duplicate", _(
                    "Nearly the same amount as %(other)s (%(amount)s, %(day)s).",
                    other=other.name if other.name and other.name != "/" else
                    _("draft #%s", other.id),
                    amount=format_amount(self.env, other.amount_untaxed_signed,
                                         company.currency_id),
                    day=other.invoice_date or other.date,
                )))
        return found

    def _agency_trailing_invoices(self):
        """{client id: [(invoice id, untaxed amount, date), ...]}: each client's last posted
        invoices (the company's anomaly history length), newest first, in one query."""
        clients = self.commercial_partner_id
        if not clients:
            return {}
        limit = max(self.company_id.mapped("agency_anomaly_history") or [3])
        self.env.cr.execute(SQL(
            """
            SELECT id, commercial_partner_id, amount_untaxed_signed, invoice_date
              FROM (SELECT m.id, m.commercial_partner_id, m.amount_untaxed_signed,
                           m.invoice_date,
                           ROW_NUMBER() OVER (PARTITION BY m.commercial_partner_id
                                              ORDER BY m.invoice_date DESC, m.id DESC) AS rank
                      FROM account_move m
                     WHERE m.commercial_partner_id IN %(clients)s
                       AND m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND m.id NOT IN %(moves)s) AS ranked
             WHERE rank <= %(limit)s
             ORDER BY commercial_partner_id, rank
            """,
            clients=tuple(clients.ids), moves=tuple(self.ids) or (0,), limit=limit,
        ))
        history = defaultdict(list)
        for move_id, client_id, amount, day in self.env.cr.fetchall():
            history[client_id].append((move_id, amount, day))
        return history

    def _agency_invoice_hours(self, moves):
        """{invoice id: billed hours of the time entries it invoiced}."""
        if not moves:
            return {}
        groups = self.env["account.analytic.line"].sudo()._read_group(
            [("timesheet_invoice_id", "in", moves.ids)],
            ["timesheet_invoice_id"], ["billed_unit_amount:sum"],
        )
        return {move.id: hours for move, hours in groups}

    def _agency_duplicate_candidates(self, window_days):
        """{client id: other customer invoices (not cancelled) dated around these}."""
        days = [d for d in (self.mapped("invoice_date") + self.mapped("date")) if d]
        if not days:
            return {}
        others = self.search([
            ("commercial_partner_id", "in", self.commercial_partner_id.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "!=", "cancel"),
            ("date", ">=", min(days) - timedelta(days=window_days)),
            ("date", "<=", max(days) + timedelta(days=window_days)),
        ])
        by_client = defaultdict(list)
        for other in others:
            by_client[other.commercial_partner_id.id].append(other)
        return by_client

    def _agency_check_time(self):
        """Entries without rate rule, low-confidence classifications, held or over-scope
        time of the invoiced contracts."""
        found = defaultdict(list)
        Line = self.env["account.analytic.line"].sudo()

        def count_by_move(domain):
            return dict(Line._read_group(
                [("timesheet_invoice_id", "in", self.ids), *domain],
                ["timesheet_invoice_id"], ["__count"],
            ))

        no_rule = count_by_move([("no_rate_rule", "=", True), ("is_billable", "=", True)])
        review = count_by_move([("classification_method", "=", "review")])
        over_scope = count_by_move([("over_scope", "=", True)])
        held = self._agency_held_time()
        for move in self:
            if no_rule.get(move):
                found[move].append(("no_rate_rule", _(
                    "%s time entries have no rate rule: billed at the sale line's price.",
                    no_rule[move])))
            if review.get(move):
                found[move].append(("low_confidence", _(
                    "%s time entries could not be classified with confidence.",
                    review[move])))
            count, hours = held.get(move.id, (0, 0.0))
            if over_scope.get(move) or count:
                parts = []
                if over_scope.get(move):
                    parts.append(_("%s invoiced entries are over scope", over_scope[move]))
                if count:
                    parts.append(_("%(count)s entries (%(hours)s h) are held and left out",
                                   count=count, hours=f"{hours:.2f}"))
                found[move].append(("held_time", "; ".join(parts) + "."))
        return found

    def _agency_held_time(self):
        """{invoice id: (entries, hours)} of held time not invoiced yet on the contracts an
        invoice bills, dated up to its period end."""
        orders_by_move = {move.id: move.invoice_line_ids.sale_line_ids.order_id for move in self}
        orders = self.env["sale.order"].union(*orders_by_move.values())
        if not orders:
            return {}
        groups = self.env["account.analytic.line"].sudo()._read_group(
            [("order_id", "in", orders.ids), ("billing_hold", "=", True), *NOT_INVOICED],
            ["order_id", "date:day"], ["__count", "unit_amount:sum"],
        )
        result = {}
        for move in self:
            end = move.billing_period_end
            count = hours = 0
            for order, day, n, amount in groups:
                if order in orders_by_move[move.id] and (not end or day <= end):
                    count += n
                    hours += amount
            if count:
                result[move.id] = (count, hours)
        return result

    def _agency_check_lines(self):
        """Invoice lines of zero amount."""
        found = defaultdict(list)
        for move in self:
            zero = move.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
                and line.currency_id.is_zero(line.price_subtotal)
            )
            if zero:
                found[move].append(("zero_amount", _(
                    "Zero-amount lines: %s", ", ".join(zero.mapped("name")[:5]))))
        return found

    # ------------------------------------------------------------------
    # Review: approve, post, send
    # ------------------------------------------------------------------

    def action_agency_approve(self):
        """Approve these drafts: post them and send them to the billing contacts.

        Blocking flags (no billing contact, missing PO) must be fixed first; other flags
        are overridden with a reason (the context key ``agency_review_reason``, or the
        wizard opened when it is missing)."""
        moves = self.filtered(lambda m: m.review_state == "to_review")
        if not moves:
            raise UserError(_("Only invoices waiting in the review queue can be approved."))
        moves._agency_check_anomalies()
        blocked = moves.filtered("has_blocking_anomaly")
        if blocked:
            raise UserError(_(
                "These invoices are held until their blocking flags are fixed:\n%s",
                "\n".join(
                    f"{move.display_name}: {move.anomaly_summary}" for move in blocked
                ),
            ))
        reason = self.env.context.get("agency_review_reason")
        if moves.filtered("anomaly_count") and not reason:
            return {
                "type": "ir.actions.act_window",
                "name": _("Approve and Send"),
                "res_model": "agency.invoice.approve.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"default_move_ids": moves.ids},
            }
        moves._agency_approve(reason)
        return True

    def _agency_approve(self, reason=None, auto=False):
        """Override open warnings with the reason, post, mark approved, send."""
        who = self.env.user
        now = fields.Datetime.now()
        for move in self:
            flags = move.anomaly_ids.filtered(lambda a: a.state == "open")
            if flags:
                flags.sudo().write({"state": "overridden", "override_reason": reason,
                                    "override_user_id": who.id, "override_date": now})
            if auto:
                body = _("Sent automatically: no anomaly flagged and %s sends automatically.",
                         move.commercial_partner_id.name)
            elif flags:
                body = _("Approved by %(who)s, overriding %(flags)s. Reason: %(why)s",
                         who=who.name, flags=", ".join(flags.mapped("reason")), why=reason)
            else:
                body = _("Approved by %(who)s%(why)s", who=who.name,
                         why=f": {reason}" if reason else "")
            move.message_post(body=body, subtype_xmlid="mail.mt_note")
        drafts = self.filtered(lambda m: m.state == "draft")
        if drafts:
            drafts.action_post()
        self.write({"review_state": "approved"})
        self._agency_send()

    def _agency_send(self):
        """Send these posted invoices through Odoo's send flow to the billing contacts,
        each in its own savepoint: one that fails stays posted with the error (and is
        retried by the billing cron)."""
        template = self.env.ref("agency_billing.mail_template_agency_invoice",
                                raise_if_not_found=False)
        sent = self.env["account.move"]
        for move in self.filtered(lambda m: m.state == "posted"):
            recipients = move.commercial_partner_id._agency_billing_recipients()
            try:
                if not recipients:
                    raise UserError(_("%s has no billing contact with an email address.",
                                      move.commercial_partner_id.name))
                with self.env.cr.savepoint():
                    self.env["account.move.send"]._generate_and_send_invoices(
                        move,
                        sending_methods={"email"},
                        mail_template=template or move._get_mail_template(),
                        mail_partner_ids=recipients.ids,
                    )
                    move.write({"review_state": "sent", "send_error": False,
                                "agency_sent_at": fields.Datetime.now()})
                sent |= move
            except Exception as error:  # any failure leaves it posted, with the error
                message = str(error) or error.__class__.__name__
                move.write({"send_error": message, "send_attempts": move.send_attempts + 1})
                move.message_post(body=_(
                    "Sending failed (attempt %(n)s): %(error)s. The invoice stays posted; "
                    "the billing cron retries it.", n=move.send_attempts, error=message,
                ), subtype_xmlid="mail.mt_note")
        return sent

    @api.model
    def _agency_retry_sending(self, limit=200):
        """Send approved invoices not sent yet (failed before), a bounded number of times."""
        moves = self.search([
            ("review_state", "=", "approved"), ("state", "=", "posted"),
            ("send_attempts", "<", MAX_SEND_ATTEMPTS),
        ], limit=limit, order="id")
        return moves._agency_send()

    def action_agency_retry_send(self):
        """Try again to send these approved invoices now."""
        self.filtered(lambda m: m.review_state == "approved")._agency_send()
        return True

    # ------------------------------------------------------------------
    # Overdue reminders
    # ------------------------------------------------------------------

    @api.model
    def _cron_agency_reminders(self):
        """Cron: send the reminder step due today of each overdue invoice of clients with
        billing automation; paid or disputed invoices get none."""
        today = agency_today(self)
        moves = self.search(self._agency_reminder_domain(today), order="invoice_date_due, id")
        return moves._agency_send_reminders(today)

    @api.model
    def _agency_reminder_domain(self, today):
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("disputed", "=", False),
            ("invoice_date_due", "<", today),
            ("commercial_partner_id.billing_automation", "=", True),
        ]

    def _agency_send_reminders(self, today):
        """Send what each policy says is due today; return the reminders logged."""
        Reminder = self.env["agency.invoice.reminder"].sudo()
        logged = Reminder
        sent_steps = defaultdict(set)
        for log in Reminder.search([("move_id", "in", self.ids)]):
            sent_steps[log.move_id.id].add(log.step_id.id)
        for move in self:
            policy = move.commercial_partner_id._agency_reminder_policy(move.company_id)
            if not policy or move.payment_state in ("paid", "in_payment", "reversed"):
                continue
            steps = [reminder.Step(step.id, step.days) for step in policy.step_ids]
            days = (today - move.invoice_date_due).days
            due = reminder.due_step(days, steps, sent_steps[move.id])
            if not due:
                continue
            step = self.env["agency.reminder.step"].browse(due.key)
            try:
                with self.env.cr.savepoint():
                    message = move._agency_post_reminder(step)
                    logged |= Reminder.create({
                        "move_id": move.id, "step_id": step.id, "days_overdue": days,
                        "date": today, "mail_template_id": step.mail_template_id.id,
                        "message_id": message[:1].id,
                    })
            except Exception as error:  # one invoice never stops the others
                move.message_post(body=_("Reminder %(step)s could not be sent: %(error)s",
                                         step=step.name, error=error),
                                  subtype_xmlid="mail.mt_note")
        return logged

    def _agency_post_reminder(self, step):
        """Post the step's mail template on the invoice (emails the billing contacts)."""
        self.ensure_one()
        template = step.mail_template_id or self.env.ref(
            "agency_billing.mail_template_agency_reminder")
        return self.with_context(agency_reminder_step=step.name).message_post_with_source(
            template, message_type="comment", subtype_xmlid="mail.mt_comment",
        )

    # ------------------------------------------------------------------
    # What the invoice report and mails show
    # ------------------------------------------------------------------

    def _agency_days_overdue(self):
        self.ensure_one()
        if not self.invoice_date_due:
            return 0
        return max((agency_today(self) - self.invoice_date_due).days, 0)

    def _agency_pay_url(self):
        """Portal link that opens the payment form ("Pay now")."""
        self.ensure_one()
        return self.get_portal_url(anchor="portal_pay", query_string="&payment=True")

    def _agency_projects(self):
        self.ensure_one()
        entries = self.sudo().timesheet_ids
        orders = self.sudo().invoice_line_ids.sale_line_ids.order_id
        return (entries.project_id | orders.project_ids | self.billing_milestone_ids.project_id)

    def _agency_report_data(self):
        """Everything the invoice PDF shows about the work behind this invoice, as plain
        values: projects, period, milestones, deliverables, retainer, and the time at the
        client's detail level (billed and raw)."""
        self.ensure_one()
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
        }

    def _agency_reached_milestones(self, projects, start, end):
        milestones = self.billing_milestone_ids
        if projects and end:
            domain = [("project_id", "in", projects.ids), ("is_reached", "=", True),
                      ("reached_date", "<=", end)]
            if start:
                domain.append(("reached_date", ">=", start))
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
        tasks = self.env["project.task"].sudo().search(domain, limit=limit, order="id")
        return tasks.mapped("name")

    def _agency_time_rows(self, entries, level):
        """(rows, totals) of the time table at a detail level; each row has raw and billed
        hours, hours covered by a retainer and the amount invoiced."""
        currency = self.currency_id

        def amount(entry):
            hours = entry.billed_unit_amount - entry.retainer_hours
            return currency.round(hours * entry.billing_rate)

        totals = {"raw": 0.0, "billed": 0.0, "covered": 0.0, "amount": 0.0}
        rows = []
        if level == "annex":
            for entry in entries:
                row = {
                    "date": entry.date, "who": entry.employee_id.name or "",
                    "role": entry.job_id.name or "", "task": entry.task_id.name or "",
                    "label": entry.name or "", "raw": entry.unit_amount,
                    "billed": entry.billed_unit_amount, "covered": entry.retainer_hours,
                    "rate": entry.billing_rate, "amount": amount(entry),
                }
                rows.append(row)
        elif level != "summary":
            missing = {"service_type": self.env._("Unclassified"),
                       "role": self.env._("No role"), "task": self.env._("No task")}[level]
            field = {"service_type": "service_type_id", "role": "job_id", "task": "task_id"}[level]

            def key(entry):
                return entry[field].name or missing

            groups = {}
            for entry in entries:
                row = groups.setdefault(key(entry), {
                    "label": key(entry), "raw": 0.0, "billed": 0.0, "covered": 0.0,
                    "amount": 0.0, "count": 0,
                })
                row["raw"] += entry.unit_amount
                row["billed"] += entry.billed_unit_amount
                row["covered"] += entry.retainer_hours
                row["amount"] += amount(entry)
                row["count"] += 1
            rows = sorted(groups.values(), key=lambda row: row["label"])
        for entry in entries:
            totals["raw"] += entry.unit_amount
            totals["billed"] += entry.billed_unit_amount
            totals["covered"] += entry.retainer_hours
            totals["amount"] += amount(entry)
        return rows, totals

    def _agency_mail_context(self):
        """A few lines about the work billed, for the mail templates."""
        self.ensure_one()
        data = self._agency_report_data()
        if not data:
            return ""
        parts = []
        if data["projects"]:
            parts.append(_("Project: %s", ", ".join(data["projects"])))
        if data["start"] and data["end"]:
            parts.append(_("Period: %(start)s – %(end)s",
                           start=format_date(self.env, data["start"]),
                           end=format_date(self.env, data["end"])))
        if data["milestones"]:
            parts.append(_("Milestones reached: %s",
                           ", ".join(m["name"] for m in data["milestones"])))
        for period in data["retainers"]:
            parts.append(_("Retainer balance: %s h carried to the next period",
                           f"{period['carried_out']:.2f}"))
        return Markup("<br/>").join(parts)
