from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..access import BILLING_READERS, INTERNAL_USERS, check_action
from ..constants import BILLING_CYCLES, DETAIL_LEVELS, INVOICE_GROUPING, WEEKDAYS
from ..lib import billing_cycle, dates, scope

ROUNDING = [
    ("company", "Company default"),
    ("none", "No rounding"),
    ("up", "Round up"),
    ("nearest", "Round to nearest"),
]

# Partner preference -> company default it starts from.
BILLING_DEFAULTS = {
    "billing_cycle": "agency_billing_cycle",
    "billing_weekday": "agency_billing_weekday",
    "billing_month_day": "agency_billing_month_day",
    "invoice_detail_level": "agency_invoice_detail_level",
    "invoice_grouping": "agency_invoice_grouping",
    "auto_send": "agency_auto_send",
}


class ResPartner(models.Model):
    """Client terms that decide how the client's time is billed.

    Who reads them: billing terms and preferences (rounding, over-scope policy, cycle,
    detail level, PO number, contacts, reminder policy) are read by internal users only,
    never by portal users (``groups=INTERNAL_USERS``); the billing state (billed up to,
    next date, last run and error, disputes) and the client's rate agreements by the
    billing readers (``groups=BILLING_READERS``). Who changes them:
    ``res_partner_guard.py``. See the README's access matrix.
    """

    _inherit = "res.partner"

    time_rounding = fields.Selection(
        ROUNDING,
        default="company",
        required=True,
        help="How billed time is rounded for this client; raw time is always kept.",
        groups=INTERNAL_USERS,
    )
    time_rounding_unit = fields.Integer(
        string="Rounding Unit (min)", default=15, help="E.g. 6, 15 or 30 minutes.",
        groups=INTERNAL_USERS,
    )
    time_rounding_minimum = fields.Integer(
        string="Minimum per Entry (min)", help="Billed time of any entry is at least this.",
        groups=INTERNAL_USERS,
    )
    agency_rate_rule_ids = fields.One2many(
        "agency.rate.rule", "partner_id", string="Rate Agreements",
        groups=BILLING_READERS,
    )
    agency_over_scope_policy = fields.Selection(
        [("company", "Company default"), *scope.OVER_SCOPE_POLICIES],
        string="Over-Scope Policy", default="company", required=True,
        help="What happens to this client's time recorded after its budget line is used "
        "up: billed at rate, held (billable, not invoiced until a change request is "
        "approved) or absorbed (non-billable).",
        groups=INTERNAL_USERS,
    )

    @api.constrains("time_rounding", "time_rounding_unit", "time_rounding_minimum")
    def _check_time_rounding(self):
        for partner in self:
            if partner.time_rounding in ("up", "nearest") and partner.time_rounding_unit <= 0:
                raise ValidationError(
                    _("The rounding unit of %s must be a positive number of minutes.",
                      partner.display_name)
                )
            if partner.time_rounding_minimum < 0:
                raise ValidationError(_("A minimum billed time cannot be negative."))

    def _agency_rounding_policy(self, company):
        """(method, unit, minimum) that applies to this client's time in a company."""
        partner = self.commercial_partner_id
        if partner and partner.time_rounding != "company":
            return (partner.time_rounding, partner.time_rounding_unit,
                    partner.time_rounding_minimum)
        return company._agency_rounding_policy()

    @api.model_create_multi
    def create(self, vals_list):
        """The one ``create`` of partners: billing terms the user may not set are refused
        (``res_partner_guard``, :meth:`_agency_guard_create`), then Odoo creates."""
        self._agency_guard_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        """The one ``write`` of partners: billing terms the user may not change are
        refused first (``res_partner_guard``, :meth:`_agency_guard_write`); then a
        client's new rounding flags its time for re-rating."""
        self._agency_guard_write(vals)
        rounding = {"time_rounding", "time_rounding_unit", "time_rounding_minimum"} & set(vals)
        # Only a client's own rounding rates its time (contacts copy it as a commercial
        # field), and only a real change needs re-rating: creating a client's contacts,
        # one by one or by an importer, flags nothing.
        changed = self.filtered(
            lambda p: p.commercial_partner_id == p
            and any(p[fname] != vals[fname] for fname in rounding)
        ) if rounding else self.browse()
        res = super().write(vals)
        if changed:
            # The client's time in every company follows its terms, not only the time of
            # the companies the user works in (sudo: a flag, read by the re-rate cron).
            self.env["account.analytic.line"]._agency_flag_rerate(
                self.env["res.company"].sudo().search([]), partners=changed
            )
        return res

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "time_rounding", "time_rounding_unit", "time_rounding_minimum",
            "agency_over_scope_policy",
        ]

    # ------------------------------------------------------------------
    # Billing preferences: set on the client (commercial partner), new clients
    # start from the company defaults; read through commercial_partner_id.
    # ------------------------------------------------------------------

    billing_automation = fields.Boolean(
        tracking=True, copy=False,
        help="Billing runs, milestone invoices, automatic sending and reminders apply to "
        "this client (start with one pilot client).",
        groups=INTERNAL_USERS,
    )
    billing_cycle = fields.Selection(
        BILLING_CYCLES, default="monthly", required=True, tracking=True,
        help="When the client's invoices are drafted: every week, every two weeks, every "
        "month, when a milestone is reached, or only when someone runs the client.",
        groups=INTERNAL_USERS,
    )
    billing_weekday = fields.Selection(
        WEEKDAYS, default="0", required=True,
        help="Weekly and two-weekly cycles: the day invoices are drafted (they cover the "
        "days before).",
        groups=INTERNAL_USERS,
    )
    billing_month_day = fields.Integer(
        string="Billing Day of Month", default=1,
        help="Monthly cycle: the day of the month invoices are drafted (1 to 28); they "
        "cover the month before it.",
        groups=INTERNAL_USERS,
    )
    billing_anchor_date = fields.Date(
        string="Two-Weekly From",
        help="Two-weekly cycle: a billing date the others are counted from, 14 days apart "
        "(default: every other billing weekday since 2024-01-01).",
        groups=INTERNAL_USERS,
    )
    invoice_detail_level = fields.Selection(
        DETAIL_LEVELS, string="Invoice Detail", default="service_type", required=True,
        tracking=True, help="How much of the time behind an invoice its PDF shows.",
        groups=INTERNAL_USERS,
    )
    invoice_grouping = fields.Selection(
        INVOICE_GROUPING, default="client", required=True,
        help="One invoice per contract (sale order and its project) or one per client.",
        groups=INTERNAL_USERS,
    )
    po_required = fields.Boolean(
        string="PO Number Required", tracking=True,
        help="Invoices need the client's purchase order number (the contract's Customer "
        "Reference); without it they are held in review.",
        groups=INTERNAL_USERS,
    )
    auto_send = fields.Boolean(
        string="Send Automatically", tracking=True,
        help="Post and send drafts that raise no anomaly without review. Drafts with "
        "anomalies always wait in the review queue.",
        groups=INTERNAL_USERS,
    )
    billing_contact_ids = fields.Many2many(
        "res.partner", "res_partner_billing_contact_rel", "partner_id", "contact_id",
        string="Billing Contacts", copy=False,
        help="Who receives the client's invoices and reminders.",
        groups=INTERNAL_USERS, check_company=True,
    )
    reminder_policy_id = fields.Many2one(
        "agency.reminder.policy",
        help="Overdue reminders; empty: the company's default policy.",
        groups=INTERNAL_USERS, check_company=True,
    )
    billing_last_period_end = fields.Date(
        string="Billed Up To", copy=False,
        help="Last day of the last period billed: set by billing runs, moved back when a "
        "retainer invoice is given back, and set by a billing administrator when a client "
        "starts mid-contract (its next billing date follows).",
        groups=BILLING_READERS,
    )
    billing_next_date = fields.Date(
        string="Next Billing Date", compute="_compute_billing_next_date", store=True,
        index="btree_not_null", copy=False,
        help="When the next billing run drafts this client's invoices.",
        groups=BILLING_READERS,
    )
    billing_last_run_id = fields.Many2one("agency.billing.run", string="Last Billing Run",
                                          copy=False, readonly=True, groups=BILLING_READERS)
    billing_last_error = fields.Char(copy=False, readonly=True, groups=BILLING_READERS)
    billing_last_error_at = fields.Datetime(copy=False, readonly=True, groups=BILLING_READERS)
    billing_dispute_count = fields.Integer(
        string="Disputes", compute="_compute_billing_dispute_count",
        help="Invoices of this client that were ever flagged as disputed.",
        groups=BILLING_READERS,
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env.company
        for fname, company_field in BILLING_DEFAULTS.items():
            if fname in fields_list and f"default_{fname}" not in self.env.context:
                values[fname] = company[company_field]
        return values

    @api.constrains("billing_month_day")
    def _check_billing_month_day(self):
        for partner in self:
            if not 1 <= partner.billing_month_day <= 28:
                raise ValidationError(_("The monthly billing day is between 1 and 28."))

    def _agency_billing_cycle(self):
        """This client's cycle as plain data (see lib/billing_cycle.py)."""
        self.ensure_one()
        return billing_cycle.Cycle(
            kind=self.billing_cycle,
            weekday=int(self.billing_weekday or 0),
            month_day=self.billing_month_day or 1,
            anchor=self.billing_anchor_date or None,
        )

    def _agency_tz(self):
        """The client's time zone for its billing dates: its own (commercial partner's),
        else its company's, else the current company's."""
        self.ensure_one()
        client = self.commercial_partner_id
        company = client.company_id or self.env.company
        return dates.first_zone(client.tz, company._agency_tz())

    def _agency_today(self):
        """Today for this client's billing: in its time zone, unless the context fixes
        the day (tests, demo data)."""
        return self.env.company._agency_fixed_today() or dates.today_in(self._agency_tz())

    @api.depends("billing_automation", "billing_cycle", "billing_weekday", "billing_month_day",
                 "billing_anchor_date", "billing_last_period_end")
    def _compute_billing_next_date(self):
        for partner in self:
            if not partner.billing_automation or partner.billing_cycle not in \
                    billing_cycle.PERIODIC:
                partner.billing_next_date = False
                continue
            cycle = partner._agency_billing_cycle()
            if partner.billing_last_period_end:
                partner.billing_next_date = billing_cycle.next_billing_date(
                    cycle, partner.billing_last_period_end + timedelta(days=1)
                )
            else:
                partner.billing_next_date = billing_cycle.first_billing_date(
                    cycle, partner._agency_today())

    def _compute_billing_dispute_count(self):
        # sudo with the user's companies: a count of the disputed invoices the user may
        # see (no invoice shown).
        counts = dict(self.env["account.move"].sudo()._read_group(
            [("commercial_partner_id", "in", self.commercial_partner_id.ids),
             ("company_id", "in", self.env.companies.ids),
             ("dispute_date", "!=", False), ("move_type", "=", "out_invoice")],
            ["commercial_partner_id"], ["__count"],
        ))
        for partner in self:
            partner.billing_dispute_count = counts.get(partner.commercial_partner_id, 0)

    def _agency_billing_recipients(self):
        """Billing contacts of this client that can receive an email."""
        return self.commercial_partner_id.billing_contact_ids.filtered("email")

    @api.constrains("reminder_policy_id", "billing_contact_ids", "company_id")
    def _check_agency_company(self):
        """Partners do not check companies by themselves: the addon's links are checked
        here."""
        self._check_company(["reminder_policy_id", "billing_contact_ids"])

    def _agency_reminder_policy(self, company):
        return self.commercial_partner_id.reminder_policy_id or company.agency_reminder_policy_id

    def action_agency_run_billing(self, date_to=None):
        """Run billing for these clients now: draft invoices of everything delivered up
        to ``date_to`` (default: the client's today), a past day to bill a past period on
        purpose (see agency.billing.run._run_clients). Over RPC:
        ``execute_kw(db, uid, pwd, 'res.partner', 'action_agency_run_billing', [ids],
        {'date_to': '2026-09-30'})``."""
        if not self.env.user.has_group("agency_billing.group_agency_billing_manager"):
            raise AccessError(_("Only Agency Billing administrators run billing."))
        check_action(self, "read")
        day = fields.Date.to_date(date_to) if date_to else None
        clients = self.commercial_partner_id
        if day and any(day > client._agency_today() for client in clients):
            raise UserError(_("Bill time up to today at the latest (not %s): later time is "
                              "not delivered yet.", day))
        # The run records whether a button or an API call started it, and who.
        run = self.env["agency.billing.run"]._run_clients(clients, today=day)
        return run._get_records_action(name=_("Billing Run"))

    def action_agency_view_disputes(self):
        check_action(self, "read")
        return self.env["account.move"].search([
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("dispute_date", "!=", False),
        ])._get_records_action(name=_("Disputed Invoices"))
