"""Deliverables with included revision rounds, and their rounds.

A deliverable is something the client recognises ("Homepage design", "Logo") sold on a
contract (sale order) with a number of included revision rounds. Each time the client asks
for changes a round starts — from Odoo's button, the portal, or a vendor signal (Asana,
Monday.com) through :meth:`AgencyDeliverable._agency_start_round`, idempotent on the
source event. A round beyond the included ones follows the deliverable's extra-round
policy: billed (fixed price, or its hours at the contract's rates), asked first (a change
request), or absorbed. The arithmetic is in :mod:`..lib.rounds`.

Files by concern: this one holds the models, the round start and the alert;
``agency_deliverable_billing`` the billing lines, held time and change requests.
"""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..access import BILLING_READERS, BILLING_USER, check_action
from ..lib import rounds


class AgencyDeliverable(models.Model):
    """A deliverable of a contract with its included revision rounds."""

    _name = "agency.deliverable"
    _description = "Deliverable"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sale_order_id desc, sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, tracking=True,
                       help="The name the client recognises: it appears on invoices.")
    sale_order_id = fields.Many2one(
        "sale.order", string="Contract", required=True, ondelete="cascade", index=True,
        check_company=True, domain="[('state', '!=', 'cancel')]",
    )
    company_id = fields.Many2one(related="sale_order_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="sale_order_id.currency_id")
    partner_id = fields.Many2one(related="sale_order_id.partner_id", store=True,
                                 string="Client", index=True)
    project_id = fields.Many2one(
        "project.project", compute="_compute_project_id", store=True, readonly=False,
        index="btree_not_null", check_company=True,
        help="The project the deliverable's work is done in (defaults from the contract).",
    )
    milestone_id = fields.Many2one(
        "project.milestone", index="btree_not_null", ondelete="set null",
        domain="[('project_id', '=', project_id)]",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Sold On", ondelete="set null", index="btree_not_null",
        domain="[('order_id', '=', sale_order_id), ('display_type', '=', False)]",
        check_company=True,
    )
    task_ids = fields.Many2many(
        "project.task", "agency_deliverable_task_rel", "deliverable_id", "task_id",
        string="Tasks", check_company=True,
        help="The tasks of the deliverable: their approvals start rounds, their time is the "
        "rounds' time.",
    )
    included_rounds = fields.Integer(
        default=2, tracking=True,
        help="Revision rounds included in the price. With 0, every request is extra.",
    )
    extra_round_policy = fields.Selection(
        rounds.EXTRA_ROUND_POLICIES, compute="_compute_extra_round_policy", store=True,
        readonly=False, required=True, tracking=True, precompute=True,
        help="What happens at a round beyond the included ones; defaults from the client's "
        "billing preferences.",
    )
    extra_round_pricing = fields.Selection(
        rounds.EXTRA_ROUND_PRICINGS, default="fixed", required=True, tracking=True,
    )
    extra_round_price = fields.Monetary(
        tracking=True, groups=BILLING_READERS,
        help="Price of one extra round (fixed pricing), before taxes.",
    )
    extra_round_product_id = fields.Many2one(
        "product.product", check_company=True,
        domain="[('type', '=', 'service')]",
        help="Product of the extra rounds' invoice lines (fixed pricing); by default the "
        "Extra revision round product.",
    )
    round_ids = fields.One2many("agency.deliverable.round", "deliverable_id", string="Rounds",
                                readonly=True)
    round_count = fields.Integer(compute="_compute_round_count", store=True)
    extra_round_count = fields.Integer(compute="_compute_round_count", store=True)
    last_round_alerted = fields.Boolean(
        copy=False, readonly=True,
        help="The Account Director was alerted that the last included round started.",
    )
    portal_shared = fields.Boolean(
        string="Shared in the Portal", default=True,
        help="The client sees the deliverable and its rounds in the portal and may ask for "
        "changes there.",
    )

    _sql_constraints = [
        ("included_rounds_positive", "CHECK(included_rounds >= 0)",
         "Included rounds cannot be negative."),
    ]

    @api.depends("sale_order_id")
    def _compute_project_id(self):
        for deliverable in self:
            if not deliverable.project_id:
                order = deliverable.sale_order_id
                deliverable.project_id = order.project_id or order.project_ids[:1]

    @api.depends("sale_order_id.partner_id")
    def _compute_extra_round_policy(self):
        for deliverable in self:
            if deliverable.extra_round_policy:
                continue
            client = deliverable.sale_order_id.partner_id.commercial_partner_id.sudo()
            deliverable.extra_round_policy = client.agency_extra_round_policy or "bill"

    @api.depends("round_ids.is_extra")
    def _compute_round_count(self):
        for deliverable in self:
            deliverable.round_count = len(deliverable.round_ids)
            deliverable.extra_round_count = len(deliverable.round_ids.filtered("is_extra"))

    @api.constrains("extra_round_price")
    def _check_extra_round_price(self):
        for deliverable in self.sudo():
            if deliverable.extra_round_price < 0:
                raise ValidationError(_("The price of an extra round cannot be negative."))

    # ------------------------------------------------------------------
    # Starting a round
    # ------------------------------------------------------------------

    def action_agency_request_changes(self):
        """*Client requested changes*: one new round per call (no debounce: each press is a
        round). Returns the new round's id (over RPC; the form just reloads)."""
        check_action(self, "write", BILLING_USER)
        self.ensure_one()
        return self._agency_start_round("odoo", requested_by=self.env.user.name).id

    def _agency_start_round(self, source, external_ref=False, requested_by=False, when=None,
                            debounce_minutes=0, note=False):
        """Start a round of this deliverable, once per source event (hook: the path the
        sync addons and the portal use).

        :param source: ``odoo``, ``portal``, ``asana``, ``monday``
        :param external_ref: the source event's id; a round with the same source and
            reference is never started twice
        :param when: when the client asked (datetime; now by default)
        :param debounce_minutes: a signal this close to the deliverable's last round from
            the same source is that round (vendor statuses flapping)
        :return: the round started, or the existing one the signal repeats
        """
        self.ensure_one()
        # sudo: the caller was checked (button, portal controller) or is a sync importer,
        # the documented path that starts rounds.
        deliverable = self.sudo()
        when = when or fields.Datetime.now()
        Round = self.env["agency.deliverable.round"].sudo()
        if external_ref:
            existing = Round.search([("deliverable_id", "=", deliverable.id),
                                     ("source", "=", source),
                                     ("external_ref", "=", external_ref)], limit=1)
            if existing:
                return existing
        last = deliverable.round_ids.filtered(lambda r: r.source == source).sorted("date")[-1:]
        if rounds.within_debounce(last.date, when, debounce_minutes):
            return last
        # Rounds of one deliverable are numbered one after the other: lock it.
        self.env.cr.execute("SELECT id FROM agency_deliverable WHERE id = %s FOR NO KEY UPDATE",
                            [deliverable.id])
        number = max(deliverable.round_ids.mapped("number") or [0]) + 1
        state = rounds.initial_state(number, deliverable.included_rounds,
                                     deliverable.extra_round_policy)
        new_round = Round.create({
            "deliverable_id": deliverable.id,
            "number": number,
            "date": when,
            "source": source,
            "external_ref": external_ref or False,
            "requested_by": requested_by or False,
            "is_extra": state != "included",
            "state": state,
            "note": note or False,
        })
        deliverable.message_post(
            body=_("Revision round %(number)s started (%(origin)s%(who)s): %(what)s.",
                   number=number, origin=new_round._agency_source_label(),
                   who=_(", asked by %s", requested_by) if requested_by else "",
                   what=new_round._agency_state_label()),
            subtype_xmlid="mail.mt_note",
        )
        new_round._agency_after_start()
        if rounds.is_last_included(number, deliverable.included_rounds) \
                and not deliverable.last_round_alerted:
            deliverable._agency_alert_last_round(new_round)
        return new_round

    def _agency_alert_user(self):
        """Who is alerted: the project's Account Director, else its project manager, else
        the contract's salesperson."""
        project = self.project_id or self.sale_order_id.project_id
        return project.account_director_id or project.user_id or self.sale_order_id.user_id

    def _agency_alert_last_round(self, last_round):
        """Alert the Account Director, once, that the last included round started: one
        activity, as the scope alerts do, and a note."""
        self.ensure_one()
        self.last_round_alerted = True
        summary = _("%(deliverable)s: last included revision round (%(number)s of %(included)s) "
                    "started", deliverable=self.name, number=last_round.number,
                    included=self.included_rounds)
        policy = dict(self._fields["extra_round_policy"]._description_selection(self.env))
        note = Markup("<p>%s</p>") % _("The next request for changes is extra: %(policy)s.",
                                       policy=policy[self.extra_round_policy])
        user = self._agency_alert_user()
        if user:
            # sudo: the alert's activity is for the Account Director, whoever started the
            # round (a sync, the portal).
            self.env["mail.activity"].sudo().create({
                "res_model_id": self.env["ir.model"]._get_id(self._name),
                "res_id": self.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "user_id": user.id,
                "summary": summary,
                "note": note,
                "date_deadline": fields.Date.context_today(self),
                "automated": True,
            })
        self._message_log(body=Markup("<p><b>%s</b></p>%s") % (summary, note))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_rounds(self):
        check_action(self, "read")
        self.ensure_one()
        return self.round_ids._get_records_action(name=_("Revision Rounds"))

    def _agency_round_label(self, number):
        """Client-facing wording of round ``number`` of this deliverable."""
        self.ensure_one()
        return _("%(name)s — revision round %(number)s (%(included)s included)",
                 name=self.name, number=number, included=self.included_rounds)


class AgencyDeliverableRound(models.Model):
    """One revision round of a deliverable: who asked, when, from where, and what it cost."""

    _name = "agency.deliverable.round"
    _description = "Revision Round"
    _order = "deliverable_id, number"
    _check_company_auto = True

    deliverable_id = fields.Many2one("agency.deliverable", required=True, ondelete="cascade",
                                     index=True, readonly=True)
    company_id = fields.Many2one(related="deliverable_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="deliverable_id.partner_id", store=True,
                                 string="Client")
    currency_id = fields.Many2one(related="deliverable_id.currency_id")
    number = fields.Integer(required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now,
                           help="When the client asked for changes.")
    source = fields.Selection(rounds.ROUND_SOURCES, required=True, readonly=True)
    external_ref = fields.Char(
        readonly=True, index="btree_not_null",
        help="The source event that started the round (a story, an activity log entry): "
        "the same event never starts a second round.",
    )
    requested_by = fields.Char(readonly=True, help="Who asked for the changes.")
    note = fields.Char(readonly=True)
    is_extra = fields.Boolean(readonly=True, help="Beyond the deliverable's included rounds.")
    state = fields.Selection(rounds.ROUND_STATES, required=True, readonly=True,
                             groups=BILLING_READERS)
    label = fields.Char(compute="_compute_label", help="Client-facing wording of the round.")
    hours = fields.Float(compute="_compute_hours", digits=(16, 2),
                         help="Time logged on the deliverable's tasks during the round.")
    sale_line_id = fields.Many2one(
        "sale.order.line", string="Billing Line", readonly=True, ondelete="set null",
        index="btree_not_null", groups=BILLING_READERS, check_company=True,
        help="The contract line that bills this extra round (fixed price or its hours).",
    )
    invoice_line_id = fields.Many2one(
        "account.move.line", readonly=True, ondelete="set null", index="btree_not_null",
        groups=BILLING_READERS, help="The invoice line that billed this round.",
    )
    change_request_id = fields.Many2one(
        "sale.order", readonly=True, ondelete="set null", index="btree_not_null",
        groups=BILLING_READERS, check_company=True,
        help="The change request the client accepts before this extra round is billed.",
    )

    _sql_constraints = [
        ("number_unique", "UNIQUE(deliverable_id, number)",
         "A deliverable has one round of each number."),
        ("source_event_unique", "UNIQUE(deliverable_id, source, external_ref)",
         "A source event starts one round."),
    ]

    @api.depends("deliverable_id.name", "deliverable_id.included_rounds", "number")
    def _compute_label(self):
        for rnd in self:
            rnd.label = rnd.deliverable_id._agency_round_label(rnd.number) \
                if rnd.deliverable_id else False

    def _compute_hours(self):
        # sudo: the hours of a round are the sum of its deliverable's tasks' time (the
        # round itself was readable).
        hours = self.sudo()._agency_entries_by_round()
        for rnd in self:
            rnd.hours = sum(hours.get(rnd.id, self.env["account.analytic.line"])
                            .mapped("unit_amount"))

    def _agency_entries_by_round(self):
        """{round id: time entries logged on the deliverable's tasks during the round}."""
        result = {}
        for deliverable in self.deliverable_id:
            ordered = deliverable.round_ids.sorted("number")
            if not ordered or not deliverable.task_ids:
                continue
            entries = self.env["account.analytic.line"].search([
                ("task_id", "in", deliverable.task_ids.ids),
                ("project_id", "!=", False),
                ("date", ">=", fields.Date.to_date(ordered[0].date)),
            ])
            starts = [fields.Date.to_date(r.date) for r in ordered]
            for entry in entries:
                index = rounds.round_of_day(starts, entry.date)
                if index is not None:
                    key = ordered[index].id
                    result[key] = result.get(key, entries.browse()) | entry
        return result

    def _agency_source_label(self):
        return dict(self._fields["source"]._description_selection(self.env))[self.source]

    def _agency_state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.sudo().state]

    def unlink(self):
        if not self.env.su and self.sudo().filtered(lambda r: r.invoice_line_id):
            raise UserError(_("A billed revision round cannot be deleted."))
        return super().unlink()
