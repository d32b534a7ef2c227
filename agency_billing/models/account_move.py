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

Files by concern (each an ``_inherit`` of this model): this one holds the fields, the one
``create``, ``write`` and ``_post`` (each calls the other files' steps in an order its
docstring states), linking of invoiced time and cancellation; ``account_move_anomaly``
(flags), ``account_move_send`` (approve, post, send), ``account_move_reminder`` (overdue
reminders), ``account_move_report`` (what the PDF and mails show), ``account_move_client``
(what the client reads), ``account_move_credit`` (what a credit note gives back),
``account_move_delivery`` (delivery of the emails), ``account_move_guard`` (nobody writes
the review queue's state by hand).

**Who reads what.** Anomaly flags and their summary, the review state, send errors and
attempts, disputes, reminders, the billing run and the retainer periods and milestones an
invoice billed are internal to the agency: read by the Agency Billing groups and Odoo's
invoicing users and auditors (``groups=BILLING_READERS`` on their definitions), never by
the client — a portal user reading its own invoice over RPC gets none of them. What the
invoice prints (period, detail level) stays readable. See the README's access matrix.
"""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, format_date

from ..access import BILLING_READERS
from ..constants import DETAIL_LEVELS

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
# Edits of a draft under review that are worth a note (and re-checking the flags).
REVIEW_EDIT_FIELDS = {"invoice_line_ids", "line_ids", "ref", "partner_id", "invoice_date",
                      "agency_detail_level"}


class AccountMove(models.Model):
    _inherit = "account.move"

    billing_run_id = fields.Many2one(
        "agency.billing.run", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null",
        groups=BILLING_READERS, check_company=True,
    )
    billing_trigger = fields.Selection(BILLING_TRIGGERS, readonly=True, copy=False,
                                       groups=BILLING_READERS)
    billing_period_start = fields.Date(string="Period From", copy=False)
    billing_period_end = fields.Date(string="Period To", copy=False)
    review_state = fields.Selection(
        REVIEW_STATES, copy=False, index="btree_not_null", readonly=True, tracking=True,
        help="To Review: drafted by a billing run, waiting for someone to approve it. "
        "Approved: posted, being sent (or waiting for a retry). Sent: sent to the billing "
        "contacts.",
        groups=BILLING_READERS,
    )
    anomaly_ids = fields.One2many(
        "agency.invoice.anomaly", "move_id", string="Anomaly Flags", readonly=True,
        groups=BILLING_READERS,
    )
    anomaly_count = fields.Integer(
        string="Open Flags", compute="_compute_anomaly_summary", store=True,
        groups=BILLING_READERS,
    )
    anomaly_summary = fields.Char(string="Flags", compute="_compute_anomaly_summary",
                                  store=True, groups=BILLING_READERS)
    has_blocking_anomaly = fields.Boolean(compute="_compute_anomaly_summary", store=True,
                                          groups=BILLING_READERS)
    # compute_sudo: worded from the flags, as the stored summary is (for every reader of it).
    anomaly_blocking_summary = fields.Char(
        string="Blocking Flags", compute="_compute_anomaly_wording", compute_sudo=True,
        groups=BILLING_READERS, help="Open flags that hold the draft in review until fixed.")
    anomaly_warning_summary = fields.Char(
        string="Warnings", compute="_compute_anomaly_wording", compute_sudo=True,
        groups=BILLING_READERS, help="Open flags that do not block: approved with a reason.")
    send_failure_note = fields.Char(compute="_compute_send_failure_note",
                                    groups=BILLING_READERS)
    agency_detail_level = fields.Selection(
        DETAIL_LEVELS, string="Time Detail", compute="_compute_agency_detail_level",
        store=True, readonly=False, tracking=True,
        help="How much of the time behind this invoice its PDF shows (from the client's "
        "preferences).",
    )
    send_error = fields.Text(copy=False, readonly=True, groups=BILLING_READERS,
                             help="Why the last attempt to send this invoice failed.")
    send_attempts = fields.Integer(copy=False, readonly=True, groups=BILLING_READERS)
    agency_sent_at = fields.Datetime(string="Sent On", copy=False, readonly=True,
                                     groups=BILLING_READERS)
    disputed = fields.Boolean(
        copy=False, tracking=True,
        help="The client disputes this invoice: no reminder is sent while it is disputed.",
        groups=BILLING_READERS,
    )
    dispute_reason = fields.Char(copy=False, tracking=True, groups=BILLING_READERS)
    dispute_date = fields.Date(
        copy=False, readonly=True, help="When the invoice was first flagged as disputed.",
        groups=BILLING_READERS,
    )
    reminder_ids = fields.One2many(
        "agency.invoice.reminder", "move_id", string="Reminders", readonly=True,
        groups=BILLING_READERS,
    )
    reminder_count = fields.Integer(compute="_compute_reminder_count", groups=BILLING_READERS)
    retainer_period_ids = fields.One2many(
        "agency.retainer.period", "invoice_id", string="Retainer Periods", readonly=True,
        groups=BILLING_READERS,
    )
    billing_milestone_ids = fields.One2many(
        "project.milestone", "agency_invoice_id", string="Milestones Invoiced", readonly=True,
        groups=BILLING_READERS,
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

    @api.depends("anomaly_ids.state", "anomaly_ids.severity", "anomaly_ids.code")
    def _compute_anomaly_wording(self):
        labels = dict(self.env["agency.invoice.anomaly"]._fields["code"]._description_selection(
            self.env))
        for move in self:
            flags = move.anomaly_ids.filtered(lambda a: a.state == "open")
            by_severity = {
                severity: ", ".join(dict.fromkeys(
                    labels.get(a.code, a.code) for a in flags if a.severity == severity))
                for severity in ("blocking", "warning")
            }
            move.anomaly_blocking_summary = by_severity["blocking"] or False
            move.anomaly_warning_summary = by_severity["warning"] or False

    @api.depends("send_attempts", "send_error")
    def _compute_send_failure_note(self):
        for move in self:
            if not move.send_error:
                move.send_failure_note = False
                continue
            attempts = (_("1 attempt") if move.send_attempts == 1
                        else _("%s attempts", move.send_attempts))
            move.send_failure_note = _("Sending failed (%(attempts)s): %(error)s",
                                       attempts=attempts, error=move.send_error)

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
    # Create, write, post: the steps of the model's files, in a stated order
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """The one ``create`` of invoices: the review queue's state is refused to people
        (``account_move_guard``, :meth:`_agency_guard_create`), then Odoo creates."""
        self._agency_guard_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        """The one ``write`` of invoices: the steps of the model's files, in this order
        (``tests/test_write_order.py`` pins it):

        1. the review queue's state is refused to people (``account_move_guard``,
           :meth:`_agency_guard_write`);
        2. edits of drafts under review are noted, a new dispute dated
           (:meth:`_agency_write_review_and_disputes`, this file);
        3. Odoo writes; the edits under review are logged and their flags re-checked, the
           dispute said in the chatter (this file);
        4. a new detail level relabels the lines (``account_move_client``,
           :meth:`_agency_relabel_written`).
        """
        self._agency_guard_write(vals)
        edited, before, newly_disputed = self._agency_write_review_and_disputes(vals)
        res = super().write(vals)
        if edited:
            edited = edited._agency_log_review_edit(
                before, sorted(REVIEW_EDIT_FIELDS & vals.keys()))
            edited._agency_check_anomalies()
        for move in newly_disputed:
            move.message_post(body=_(
                "Marked as disputed by %(who)s: %(why)s. Reminders stop until the dispute is "
                "resolved.", who=self.env.user.name, why=move.dispute_reason,
            ), subtype_xmlid="mail.mt_note")
        self._agency_relabel_written(vals)
        return res

    def _post(self, soft=True):
        """The one ``_post`` of invoices: the steps of the model's files, in this order
        (``tests/test_write_order.py`` pins it):

        1. drafts held in review by a blocking flag are refused, or left out when
           ``soft`` (``account_move_send``, :meth:`_agency_held_in_review`);
        2. the credit notes among the others plan what they give back
           (``account_move_credit``, :meth:`_agency_credit_plans_to_post`);
        3. Odoo posts the others;
        4. the credit notes posted give back what they credit
           (``account_move_credit``, :meth:`_agency_apply_credit_plans`).
        """
        moves = self - self._agency_held_in_review(soft)
        plans = moves._agency_credit_plans_to_post()
        # What Odoo writes while posting (the invoice date, the lines' sync) is nobody's
        # edit in review.
        posted = super(AccountMove, moves.with_context(agency_posting=True))._post(soft)
        posted = posted.with_env(self.env)
        moves._agency_apply_credit_plans(plans, posted)
        return posted

    def _agency_write_review_and_disputes(self, vals):
        """Step of ``write``, before Odoo writes: the drafts under review ``vals`` edits
        (with their untaxed totals) and the invoices it newly marks disputed (dated today
        unless ``vals`` dates the dispute).

        :return: ``(edited, {move id: values before (:meth:`_agency_review_values`)},
            newly disputed)``
        """
        edited = self.env["account.move"]
        before = {}
        fnames = sorted(REVIEW_EDIT_FIELDS & vals.keys())
        if fnames and not self.env.context.get("agency_billing_run") \
                and not self.env.context.get("agency_posting"):
            # sudo: whoever edits a draft (e.g. sales) need not read the review state.
            edited = self.sudo().filtered(
                lambda m: m.state == "draft" and m.review_state == "to_review").with_env(self.env)
            before = {move.id: move._agency_review_values(fnames) for move in edited}
        newly_disputed = self.env["account.move"]
        if vals.get("disputed"):
            newly_disputed = self.filtered(lambda m: not m.disputed)
            if "dispute_date" not in vals:
                newly_disputed.filtered(lambda m: not m.dispute_date).dispute_date = \
                    self.env.company._agency_billing_today()
        return edited, before, newly_disputed

    def _agency_review_values(self, fnames):
        """{field: comparable value} of these edited fields of a draft, and its untaxed
        total (``amount_untaxed``): what tells an edit from a write that changes nothing."""
        self.ensure_one()
        values = {"amount_untaxed": self.currency_id.round(self.amount_untaxed)}
        for fname in fnames:
            if fname in ("invoice_line_ids", "line_ids"):
                values[fname] = tuple(
                    (line.id, line.product_id.id, line.name, line.quantity, line.price_unit,
                     line.discount, tuple(line.tax_ids.ids), line.account_id.id)
                    for line in self.invoice_line_ids.sorted("id"))
            elif self._fields[fname].type == "many2one":
                values[fname] = self[fname].id
            else:
                values[fname] = self[fname]
        return values

    def _agency_log_review_edit(self, before, fnames):
        """A chatter note per draft a person edited: who changed what, and why. A write
        that changed no value (a form saved as it was, an approval) is no edit: no note.

        :return: the drafts whose values changed
        """
        reason = self.env.context.get("agency_review_reason") or _("no reason given")
        changed_moves = self.browse()
        for move in self:
            old = before.get(move.id, {})
            new = move._agency_review_values(fnames)
            changed = [f for f in fnames if old.get(f) != new.get(f)]
            if not changed and old.get("amount_untaxed") == new["amount_untaxed"]:
                continue
            changed_moves |= move
            labels = ", ".join(move._fields[f].string for f in changed or fnames)
            after = format_amount(self.env, move.amount_untaxed, move.currency_id)
            if old.get("amount_untaxed") == new["amount_untaxed"]:
                body = _("Edited in review by %(who)s (%(fields)s), untaxed total unchanged "
                         "(%(after)s). Reason: %(why)s",
                         who=self.env.user.name, fields=labels, after=after, why=reason)
            else:
                body = _("Edited in review by %(who)s (%(fields)s): untaxed total "
                         "%(before)s → %(after)s. Reason: %(why)s",
                         who=self.env.user.name, fields=labels, after=after, why=reason,
                         before=format_amount(self.env, old.get("amount_untaxed", 0.0),
                                              move.currency_id))
            move.message_post(body=body, subtype_xmlid="mail.mt_note")
        return changed_moves

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
        # sudo: linking invoiced time is part of invoicing (Odoo links as superuser too).
        Line = self.env["account.analytic.line"].sudo()
        entries = Line.search([("so_line", "in", sale_lines.ids),
                               *Line._agency_not_invoiced_domain()])
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
        # sudo: the same linking, grouped per sale line.
        groups = self.env["account.analytic.line"].sudo()._read_group(
            domain, ["so_line"], ["id:array_agg"])
        by_move = defaultdict(list)
        for sale_line, ids in groups:
            by_move[invoice_of[sale_line.id]].extend(ids)
        # sudo: the same linking, one write per invoice.
        Line = self.env["account.analytic.line"].sudo()
        for move_id, ids in by_move.items():
            Line.browse(ids).write({"timesheet_invoice_id": move_id})
        return drafts

    def button_cancel(self):
        # sudo: cancelling an invoice (access checked by Odoo) first checks its retainer periods
        # can be given back.
        self.sudo().retainer_period_ids._agency_check_release()
        res = super().button_cancel()
        self._agency_release_billing("cancelled")
        return res

    def button_draft(self):
        res = super().button_draft()
        # Reset to draft: it goes back to review (and is sent again once approved); sudo:
        # whoever may reset an invoice need not read the review state.
        self.sudo().filtered("review_state").write({"review_state": "to_review"})
        return res

    def unlink(self):
        self._agency_release_billing("deleted")
        return super().unlink()

    def _agency_label(self):
        """The invoice's number, or its display name while it is a draft."""
        self.ensure_one()
        return self.name if self.name and self.name != "/" else self.display_name

    def _agency_fill_period_start(self):
        """Every draft states the period it bills: one of a run by hand or of a reached
        milestone (no cycle period) starts on the first day of what it bills — its
        earliest time entry, retainer period or milestone reached — else on its period
        end."""
        # sudo: what these new drafts billed (the run's own work).
        for move in self.sudo().filtered(lambda m: not m.billing_period_start):
            days = [day for day in (
                move.timesheet_ids.mapped("date")
                + move.retainer_period_ids.mapped("date_from")
                + move.billing_milestone_ids.mapped("reached_date")) if day]
            end = move.billing_period_end
            start = min(days) if days else end
            if start and end and start > end:
                start = end
            if start:
                move.billing_period_start = start

    def _agency_draft_label(self):
        """How a person tells invoices apart: client, period and untaxed amount (after
        the number once posted), e.g. ``Stark Outdoor, 11/01/2026 – 11/30/2026, $ 16,380.00
        untaxed`` — Odoo's "Draft Invoice (reference)" names two drafts alike."""
        self.ensure_one()
        start, end = self.billing_period_start, self.billing_period_end
        if start and end and start != end:
            period = _("%(start)s – %(end)s", start=format_date(self.env, start),
                       end=format_date(self.env, end))
        elif end or start:
            period = format_date(self.env, end or start)
        else:
            period = format_date(self.env, self.invoice_date or self.date)
        text = _("%(client)s, %(period)s, %(amount)s untaxed",
                 client=self.commercial_partner_id.name or "", period=period,
                 amount=format_amount(self.env, self.amount_untaxed, self.currency_id))
        if self.name and self.name != "/" and self.state != "draft":
            text = f"{self.name} ({text})"
        return text

    def _agency_release_billing(self, event="cancelled"):
        """A cancelled or deleted invoice gives back what it billed: its retainer periods
        (and the time they covered; refused when later periods followed them) and its
        milestones, so the next run bills them.

        :param event: ``cancelled`` or ``deleted`` (said in the contract's chatter)
        """
        # sudo: cancelling or deleting an invoice (access checked by Odoo) gives back what it
        # billed.
        periods = self.sudo().retainer_period_ids
        whys = {}
        for period in periods:
            name = period.invoice_id._agency_label()
            whys[period.id] = _("invoice %s deleted", name) if event == "deleted" else \
                _("invoice %s cancelled", name)
        periods._release(whys)
        # sudo: the same release, for the milestones it invoiced.
        self.sudo().billing_milestone_ids.write({"agency_invoice_id": False})
        # sudo: whoever may cancel an invoice (e.g. sales cancelling an order's draft)
        # need not read its review state.
        self.sudo().filtered("review_state").write({"review_state": False})

    # ------------------------------------------------------------------
