"""Time entries: role, rating (rate rule, rate, why), rounding of billed time, billed amount."""

from odoo import api, fields, models
from odoo.tools import float_round

from ..access import BILLING_READERS
from ..constants import RATING_FIELDS
from ..lib import rating, rounding


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineRating(models.Model):
    _inherit = "account.analytic.line"

    # ------------------------------------------------------------------
    # Rating: role, rate rule, rate, billed time and amount
    # ------------------------------------------------------------------

    job_id = fields.Many2one(
        "hr.job", string="Role", compute="_compute_job_id", store=True, readonly=False,
        help="The employee's job position unless set on the entry.",
        check_company=True,
    )
    agency_currency_id = fields.Many2one(
        "res.currency", string="Rate Currency", compute="_compute_agency_rating", store=True,
        readonly=False,
        groups=BILLING_READERS,
    )
    rate_rule_id = fields.Many2one(
        "agency.rate.rule", compute="_compute_agency_rating", store=True,
        readonly=False, ondelete="set null",
        groups=BILLING_READERS, check_company=True,
    )
    agency_rate = fields.Monetary(
        string="Rate", currency_field="agency_currency_id", compute="_compute_agency_rating",
        store=True, readonly=False,
        help="Hourly rate from the winning rate rule (or set by hand), in the order's currency.",
        groups=BILLING_READERS,
    )
    rate_reason = fields.Char(
        compute="_compute_agency_rating", store=True, readonly=False,
        groups=BILLING_READERS,
    )
    no_rate_rule = fields.Boolean(
        compute="_compute_agency_rating", store=True, readonly=False,
        help="No rate rule matched: Odoo's own sale line decides the price.",
        groups=BILLING_READERS,
    )
    rate_issue = fields.Char(
        compute="_compute_agency_rating", store=True, readonly=False,
        help="Why the rate could not be fully resolved (client, currency...).",
        groups=BILLING_READERS,
    )
    rate_locked = fields.Boolean(copy=False, help="Rate set by hand: re-rating keeps it.",
                                 groups=BILLING_READERS)
    billed_unit_amount = fields.Float(
        string="Billed Time", compute="_compute_billed_unit_amount", store=True,
        readonly=False, digits=(16, 6),
        help="Time invoiced for this entry: the raw time rounded per the client's policy "
        "(zero when the entry is not billable), exact to the second (20 minutes is "
        "0.333333 h); a sale line adds its entries up and rounds once.",
        groups=BILLING_READERS,
    )
    billing_rate = fields.Monetary(
        currency_field="agency_currency_id", compute="_compute_billed_amount", store=True,
        help="Rate the entry is invoiced at: the rule's rate or its sale line's price.",
        groups=BILLING_READERS,
    )
    billing_discount = fields.Float(
        string="Discount (%)", compute="_compute_billed_amount", store=True, digits="Discount",
        help="The discount of the sale line that bills the entry.",
    )
    billed_amount = fields.Monetary(
        currency_field="agency_currency_id", compute="_compute_billed_amount", store=True,
        help="Billed time × billing rate, less the sale line's discount: what the invoice "
        "bills for this entry (before the invoice line's own rounding).",
        groups=BILLING_READERS,
    )

    # ------------------------------------------------------------------
    # Role
    # ------------------------------------------------------------------

    @api.depends("employee_id")
    def _compute_job_id(self):
        self._agency_assign({
            line: {"job_id": line.employee_id.job_id if line._is_not_billed() else line.job_id}
            for line in self
        })

    # ------------------------------------------------------------------
    # Rating
    # ------------------------------------------------------------------

    def _agency_sale_order(self):
        """The sale order (contract) this entry's work belongs to, if any."""
        return (self.task_id.sale_line_id or self.project_id.sale_line_id).order_id

    def _agency_client(self, order):
        partner = order.partner_id or self.task_id.partner_id or self.project_id.partner_id
        return partner.commercial_partner_id

    def _agency_context(self, memo):
        """{'order', 'client'} of this entry, memoised per (task, project) in `memo`."""
        key = (self.task_id.id, self.project_id.id)
        if key not in memo:
            order = self._agency_sale_order()
            memo[key] = {"order": order, "client": self._agency_client(order)}
        return memo[key]

    @api.depends("employee_id", "job_id", "service_type_id", "project_id", "task_id", "date",
                 "rate_locked", "project_id.sale_line_id", "task_id.sale_line_id",
                 "project_id.partner_id", "task_id.partner_id")
    def _compute_agency_rating(self):
        todo = self.filtered(
            lambda line: line.project_id and not line.rate_locked and line._is_not_billed()
        )
        for line in self - todo:
            if line.project_id:
                line._agency_keep(RATING_FIELDS)
            else:
                line.update(dict.fromkeys(RATING_FIELDS, False))
        for company in todo.company_id:
            lines = todo.filtered(lambda line, c=company: line.company_id == c)
            lines._agency_rate(company)

    def _agency_rate(self, company):
        """Rate the entries of one company against its rules, in one pass."""
        index = self.env["agency.rate.rule"]._rule_index(company)
        converter = self.env["res.currency"]._agency_converter(company)
        no_rule = self.env._("No rate rule matches: Odoo's own sale line decides")
        no_client = self.env._("No client on the project or its sale order")
        memo, contexts, values, reasons = {}, {}, {}, {}
        for line in self:
            context = line._agency_context(contexts)
            order, client = context["order"], context["client"]
            currency = order.currency_id or company.currency_id
            entry = rating.Entry(
                date=line.date,
                order=order.id or None,
                project=line.project_id.id,
                partner=client.id or None,
                employee=line.employee_id.id or None,
                job=line.job_id.id or None,
                service_type=line.service_type_id.id or None,
            )
            memo_key = index.memo_key(entry, currency.id)
            result = memo.get(memo_key) if memo_key else None
            result = result or index.resolve(
                entry,
                convert=lambda amount, cur, day, to=currency: converter.convert(amount, cur, to,
                                                                               day),
                fallback=lambda line=line, order=order: line._agency_fallback_price(order,
                                                                                    company),
            )
            if memo_key:
                memo[memo_key] = result
            issues = []
            if not client and line.project_id.allow_billable:
                issues.append(no_client)
            issues += converter.pop_issues()
            # Worded once per shared result (kept alive here, so its id is not reused).
            reason = reasons.get(id(result), (None, None))[1]
            if reason is None:
                if result.rule:
                    reason = self._agency_rate_reason(result)
                elif result.candidates:
                    reason = self.env._(
                        "No rate rule matches (%s): Odoo's own sale line decides",
                        self._agency_rate_reason(result))
                else:
                    reason = no_rule
                reasons[id(result)] = (result, reason)
            values[line] = {
                "agency_currency_id": currency,
                "rate_rule_id": result.rule.id if result.rule else False,
                "agency_rate": currency.round(result.rate) if result.rule else 0.0,
                "no_rate_rule": not result.rule,
                "rate_reason": reason,
                "rate_issue": "; ".join(issues) or False,
            }
        self._agency_assign(values)

    @api.model
    def _agency_rate_reason(self, result):
        """The words of a rating's reason (``lib.rating`` returns codes), translated."""
        env = self.env

        def name(rule):
            return rule.label or env._("rule #%s", rule.id)

        labels = self.env["agency.rate.rule"]._agency_criteria_labels()

        def with_criteria(rule):
            names = [labels[code] for code in rating.criteria(rule)]
            return f"{name(rule)} ({' + '.join(names) or env._('any entry')})"

        if result.code == "fixed":
            text = env._("%(rule)s: %(rate)s/h", rule=with_criteria(result.rule),
                         rate=format(result.rule.rate, ".2f"))
            if result.runner:
                text += env._("; preferred over %s", with_criteria(result.runner))
            return text
        if result.code == "discount":
            base = name(result.base_rule) if result.base_rule else result.base_label
            return env._("%(rule)s: %(discount)s%% off %(base)s %(rate)s/h",
                         rule=with_criteria(result.rule),
                         discount=format(result.rule.discount, "g"),
                         base=base, rate=format(result.base_rate, ".2f"))
        if result.code == "no_base":
            rule = result.candidates[0]
            return env._("%(rule)s gives %(discount)s%% off, but no base rate",
                         rule=name(rule), discount=format(rule.discount, "g"))
        return env._("no rate rule matches")

    def _agency_fallback_price(self, order, company):
        """(rate, currency id, label) a discount applies to when no fixed rule ranks below it:
        the order's own line for the service's product, else the product's sales price."""
        return self._agency_product_price(self.service_type_id.product_id, order, company)

    @api.model
    def _agency_product_price(self, product, order, company):
        """(rate, currency id, label) of a service product on an order (its line, else the
        product's sales price), or None without product."""
        if not product:
            return None
        if order:
            line = next((sol for sol in order.order_line if sol.product_id == product
                         and not sol.display_type), None)
            if line:
                label = self.env._("sale line %s", line.name)
                return (line.price_unit, order.currency_id.id, label)
        label = self.env._("price of %s", product.name)
        return (product.lst_price, company.currency_id.id, label)

    # ------------------------------------------------------------------
    # Rounding
    # ------------------------------------------------------------------

    @api.depends("unit_amount", "product_uom_id", "is_billable", "project_id", "task_id",
                 "project_id.sale_line_id")
    def _compute_billed_unit_amount(self):
        hour = self.env.ref("uom.product_uom_hour")
        contexts, policies, values = {}, {}, {}
        for line in self:
            if not line._is_not_billed():
                # Kept once invoiced; entries invoiced before this addon existed keep their
                # raw time.
                values[line] = {"billed_unit_amount": line.billed_unit_amount
                                or line.unit_amount}
                continue
            if not line.project_id or not line.is_billable:
                values[line] = {"billed_unit_amount": 0.0}
                continue
            context = line._agency_context(contexts)
            policy_key = (context["client"].id, line.company_id.id)
            if policy_key not in policies:
                policies[policy_key] = context["client"]._agency_rounding_policy(
                    line.company_id
                )
            method, unit, minimum = policies[policy_key]
            uom = line.product_uom_id or line.company_id.project_time_mode_id or hour
            if uom == hour or uom.category_id != hour.category_id:
                billed = rounding.round_hours(line.unit_amount, method, unit, minimum)
            else:
                hours = uom._compute_quantity(line.unit_amount, hour, round=False)
                billed = hour._compute_quantity(
                    rounding.round_hours(hours, method, unit, minimum), uom, round=False
                )
            values[line] = {"billed_unit_amount": billed}
        self._agency_assign(values)

    @api.depends("billed_unit_amount", "agency_rate", "rate_rule_id", "rate_locked",
                 "so_line.price_unit", "so_line.discount", "classification_method")
    def _compute_billed_amount(self):
        """Rate and amount the entry is invoiced at; none while it waits for its service
        type (``classification_method`` *review*): billing leaves it out until then
        (``_agency_invoiceable_domain``), so no screen may show it as billed."""
        values = {}
        for line in self:
            if line.classification_method == "review" and line._is_not_billed():
                values[line] = {"billing_rate": 0.0, "billing_discount": 0.0,
                                "billed_amount": 0.0}
                continue
            if line.rate_rule_id or line.rate_locked:
                rate = line.agency_rate
            else:
                rate = line.so_line.price_unit
            discount = line.so_line.discount
            currency = line.agency_currency_id
            amount = rating.billed_amount(line.billed_unit_amount, rate, discount)
            values[line] = {
                "billing_rate": rate,
                "billing_discount": discount,
                "billed_amount": float_round(amount, precision_rounding=currency.rounding)
                if currency else amount,
            }
        self._agency_assign(values)
