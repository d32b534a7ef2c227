from collections import defaultdict

from odoo import _, api, fields, models

from ..access import BILLING_READERS, BILLING_USER, SALE_ORDER_READERS, check_action
from ..lib import scope

# Changes of these project / task fields may route their time to a sale line the order
# lacks (added by the time entries' batched routing step, never by a compute).
PROJECT_ROUTING_FIELDS = {"service_type_id", "sale_line_id", "partner_id", "allow_billable"}
TASK_ROUTING_FIELDS = {"service_type_id", "sale_line_id", "partner_id", "name", "tag_ids",
                       "project_id"}


class ProjectProject(models.Model):
    """Projects in Agency Billing: default service type, scope budget, change requests,
    the contract's retainer balance.

    Who reads what: the scope budget (its lines, burn, amounts, status, held hours) and
    the retainer balance are read by the Agency Billing groups and Odoo's invoicing
    readers (``groups=BILLING_READERS``), the change requests by whoever reads sale
    orders among staff (``groups=SALE_ORDER_READERS``): project users, timesheet users
    and portal collaborators see the project and its tasks, not its budget. The alert
    thresholds stay readable (projects are copied with them). Default service types and
    Account Directors are checked against the project's company. See the README's access
    matrix.
    """

    _inherit = "project.project"

    service_type_id = fields.Many2one(
        "agency.service.type",
        string="Default Service Type",
        help="Service type of this project's time when neither a rule, the task nor a "
        "confident learned suggestion decides.",
        check_company=True,
    )

    agency_closed = fields.Boolean(
        string="Closed", compute="_compute_agency_closed", store=True, index=True,
        help="Finished work: the project is in a closed (folded) stage or marked done, or it "
        "is billed to clients but has no open contract line left (no confirmed, unlocked "
        "sale order behind it or its budget lines). Closed projects leave the risk screens "
        "and are named on an invoice only when it bills their time or milestones.",
    )

    @api.depends("stage_id.fold", "last_update_status", "allow_billable",
                 "sale_line_id.order_id.state", "sale_line_id.order_id.locked",
                 "agency_scope_line_ids.sale_line_id.order_id.state",
                 "agency_scope_line_ids.sale_line_id.order_id.locked")
    def _compute_agency_closed(self):
        for project in self:
            # sudo: the stage (project stages' group) and the contract lines decide.
            project_su = project.sudo()
            lines = project_su.sale_line_id | project_su.agency_scope_line_ids.sale_line_id
            open_lines = lines.filtered(
                lambda sol: sol.order_id.state == "sale" and not sol.order_id.locked)
            project.agency_closed = bool(
                project_su.stage_id.fold or project_su.last_update_status == "done"
                or (project_su.allow_billable and not open_lines))

    @api.constrains("service_type_id", "account_director_id", "company_id")
    def _check_agency_company(self):
        """Projects do not check companies by themselves (Odoo's project has no
        ``_check_company_auto``): the addon's links are checked here."""
        self._check_company(["service_type_id", "account_director_id"])

    def write(self, vals):
        res = super().write(vals)
        if PROJECT_ROUTING_FIELDS & vals.keys():
            self.env["account.analytic.line"]._agency_route_open_entries(
                [("project_id", "in", self.ids)])
        return res

    # ------------------------------------------------------------------
    # Scope budget, alerts and change requests
    # ------------------------------------------------------------------

    account_director_id = fields.Many2one(
        "res.users", domain="[('share', '=', False)]",
        tracking=True, index="btree_not_null",
        help="Owns the client relationship: receives the scope alerts and sends change "
        "requests. Without one, alerts go to the project manager.",
        check_company=True,
    )
    agency_missing_account_director = fields.Boolean(
        string="No Account Director", compute="_compute_agency_missing_account_director",
        store=True, help="The project has a scope budget but no Account Director: its "
        "alerts go to the project manager.",
        groups=BILLING_READERS,
    )
    agency_scope_thresholds = fields.Char(
        string="Alert Thresholds (%)",
        help="Comma-separated burn percentages that alert the Account Director, e.g. "
        "75,90,100. Empty: the company default.",
    )
    agency_scope_line_ids = fields.One2many(
        "agency.scope.line", "project_id", string="Scope Budget", copy=False,
        groups=BILLING_READERS,
    )
    agency_scope_currency_id = fields.Many2one(
        "res.currency", compute="_compute_agency_scope", store=True, string="Scope Currency",
        groups=BILLING_READERS,
    )
    agency_scope_budget_hours = fields.Float(
        string="Budget (h)", compute="_compute_agency_scope", store=True, digits=(16, 2),
        groups=BILLING_READERS,
    )
    agency_scope_burn_hours = fields.Float(
        string="Burned (h)", compute="_compute_agency_scope", store=True, digits=(16, 2),
        groups=BILLING_READERS,
    )
    agency_scope_budget_amount = fields.Monetary(
        string="Budget", compute="_compute_agency_scope", store=True,
        currency_field="agency_scope_currency_id",
        groups=BILLING_READERS,
    )
    agency_scope_burn_amount = fields.Monetary(
        string="Burned", compute="_compute_agency_scope", store=True,
        currency_field="agency_scope_currency_id",
        groups=BILLING_READERS,
    )
    agency_scope_held_hours = fields.Float(
        string="Held (h)", compute="_compute_agency_scope", store=True, digits=(16, 2),
        groups=BILLING_READERS,
    )
    agency_scope_percent = fields.Float(
        string="Scope Burn (%)", compute="_compute_agency_scope", store=True, digits=(16, 2),
        help="Burn of the budget line closest to running out.",
        groups=BILLING_READERS,
    )
    agency_scope_forecast_date = fields.Date(
        string="First Line Used Up On", compute="_compute_agency_scope", store=True,
        help="The earliest forecast among the budget lines.",
        groups=BILLING_READERS,
    )
    agency_scope_status = fields.Selection(
        scope.STATUSES, string="Scope Status", compute="_compute_agency_scope", store=True,
        help="The worst status among the budget lines.",
        groups=BILLING_READERS,
    )
    agency_scope_at_risk = fields.Boolean(
        string="Scope at Risk", compute="_compute_agency_scope", store=True, index=True,
        help="A budget line reached the first alert threshold or is used up, its forecast "
        "falls before the project's end, or time is held over scope.",
        groups=BILLING_READERS,
    )
    agency_change_request_ids = fields.One2many(
        "sale.order", "agency_change_request_project_id", string="Change Requests",
        groups=SALE_ORDER_READERS,
    )
    agency_change_request_count = fields.Integer(
        compute="_compute_agency_change_request_count",
        groups=SALE_ORDER_READERS,
    )

    @api.depends("account_director_id", "agency_scope_line_ids")
    def _compute_agency_missing_account_director(self):
        for project in self:
            project.agency_missing_account_director = bool(
                project.agency_scope_line_ids and not project.account_director_id
            )

    @api.depends("agency_scope_line_ids.budget_hours", "agency_scope_line_ids.budget_amount",
                 "agency_scope_line_ids.burn_hours", "agency_scope_line_ids.burn_amount",
                 "agency_scope_line_ids.held_hours", "agency_scope_line_ids.burn_percent",
                 "agency_scope_line_ids.forecast_date", "agency_scope_line_ids.status",
                 "agency_scope_line_ids.currency_id", "agency_closed")
    def _compute_agency_scope(self):
        today = fields.Date.context_today(self)
        for project in self:
            lines = project.agency_scope_line_ids
            statuses = [line.status or "none" for line in lines]
            status = max(statuses, key=scope.STATUS_RANK.get, default="none")
            forecasts = [line.forecast_date for line in lines if line.forecast_date]
            held = sum(lines.mapped("held_hours"))
            currency, budget, burn = project._agency_scope_amounts(lines, today)
            project.update({
                "agency_scope_currency_id": currency,
                "agency_scope_budget_hours": sum(lines.mapped("budget_hours")),
                "agency_scope_burn_hours": sum(lines.mapped("burn_hours")),
                "agency_scope_budget_amount": budget,
                "agency_scope_burn_amount": burn,
                "agency_scope_held_hours": held,
                "agency_scope_percent": max(lines.mapped("burn_percent"), default=0.0),
                "agency_scope_forecast_date": min(forecasts, default=False),
                "agency_scope_status": status,
                # Finished work is no risk any more (it leaves the risk screens).
                "agency_scope_at_risk": not project.agency_closed
                and (status in ("risk", "over") or held > 0),
            })

    def _agency_scope_amounts(self, lines, today):
        """(currency, budget, burn) of these budget lines: in their currency when they
        share one (the usual case: the contract's); otherwise in the project's company
        currency, each line converted at today's rate — amounts of different currencies
        are never added as they are."""
        self.ensure_one()
        currencies = lines.currency_id
        if len(currencies) <= 1:
            return (currencies, sum(lines.mapped("budget_amount")),
                    sum(lines.mapped("burn_amount")))
        company = self._agency_company()
        target = company.currency_id
        budget = burn = 0.0
        for line in lines:
            source = line.currency_id or target
            budget += source._convert(line.budget_amount, target, company, today)
            burn += source._convert(line.burn_amount, target, company, today)
        return target, target.round(budget), target.round(burn)

    def _compute_agency_change_request_count(self):
        # sudo: a count on the project; change requests are sale orders the reader may not open.
        groups = self.env["sale.order"].sudo()._read_group(
            [("agency_change_request_project_id", "in", self.ids)],
            ["agency_change_request_project_id"], ["__count"],
        )
        counts = {project.id: count for project, count in groups}
        for project in self:
            project.agency_change_request_count = counts.get(project.id, 0)

    @api.constrains("agency_scope_thresholds")
    def _check_agency_scope_thresholds(self):
        for project in self.filtered("agency_scope_thresholds"):
            self.env["res.company"]._agency_check_thresholds(
                project.agency_scope_thresholds, _("the project %s", project.display_name))

    def _agency_scope_thresholds(self):
        """The alert thresholds (percentages, ascending) of this project."""
        self.ensure_one()
        text = self.agency_scope_thresholds or self._agency_company().agency_scope_thresholds
        try:
            return scope.parse_thresholds(text)
        except scope.ThresholdError:
            return scope.DEFAULT_THRESHOLDS

    def _agency_company(self):
        """The company whose scope settings apply (a project may have none)."""
        self.ensure_one()
        return self.company_id or self.account_id.company_id or self.env.company

    def _agency_alert_user(self):
        """Who gets this project's scope alerts: the Account Director, else the manager."""
        self.ensure_one()
        return self.account_director_id or self.user_id

    def _agency_scope_client(self):
        """The client (commercial partner) whose over-scope policy applies."""
        self.ensure_one()
        partner = self.sale_line_id.order_id.partner_id or self.partner_id
        return partner.commercial_partner_id

    def _agency_contract_lines(self):
        """{project id: the time-based lines of its confirmed sale orders that sold hours}
        (change requests excluded: they grow budgets when accepted, not by default)."""
        projects = self._origin
        if not projects:
            return {}
        # sudo: budget defaults read the project's contracts whoever opens the project.
        items = projects.sudo()._fetch_sale_order_items_per_project_id()
        hour = self.env.ref("uom.product_uom_hour")
        result = {}
        for project in projects:
            orders = items.get(project.id, self.env["sale.order.line"]).order_id.filtered(
                lambda order: order.state == "sale" and not order.agency_scope_line_id
            )
            result[project.id] = orders.order_line.filtered(
                lambda sol: not sol.display_type and not sol.is_downpayment
                and sol.product_id.service_type == "timesheet" and sol.product_uom_qty > 0
                and sol.product_uom.category_id == hour.category_id
            ).sorted(lambda sol: (sol.order_id.id, sol.sequence, sol.id))
        return result

    @api.model
    def _agency_types_by_product(self):
        """{product id: service types billed under it, by sequence}."""
        # sudo: service types of other companies' products are matched too (read only).
        types = self.env["agency.service.type"].sudo().search([("product_id", "!=", False)])
        result = defaultdict(list)
        for stype in types:
            result[stype.product_id.id].append(stype)
        return result

    def _agency_sold_budgets(self, contract_lines=None):
        """What the sale orders of these projects sold, as budget defaults.

        Hours (and their amount) per time-and-materials line of a service type's product,
        the amount of each fixed-fee milestone. When several service types share a
        product, the first of them (by sequence) gets the budget.

        :param contract_lines: the result of :meth:`_agency_contract_lines`, if known
        :return: {(project id, service type id, milestone id or False):
                  (hours, amount, first sale line)}
        """
        types_by_product = self._agency_types_by_product()
        hour = self.env.ref("uom.product_uom_hour")
        sold = {}

        def add(key, hours, amount, sale_line):
            old_hours, old_amount, first = sold.get(key, (0.0, 0.0, sale_line))
            sold[key] = (old_hours + hours, old_amount + amount, first)

        if contract_lines is None:
            contract_lines = self._agency_contract_lines()
        for project_id, sale_lines in contract_lines.items():
            for sol in sale_lines:
                stypes = types_by_product.get(sol.product_id.id)
                if stypes:
                    hours = sol.product_uom._compute_quantity(sol.product_uom_qty, hour,
                                                              round=False)
                    add((project_id, stypes[0].id, False), hours, sol.price_subtotal, sol)
        # sudo: budget defaults read the milestones' sale lines (read only).
        for project in self._origin.sudo():
            for milestone in project.milestone_ids.filtered("sale_line_id"):
                sol = milestone.sale_line_id
                stypes = types_by_product.get(sol.product_id.id) or project.service_type_id
                if not stypes:
                    continue
                share = milestone.quantity_percentage or 1.0
                add((project.id, stypes[0].id, milestone.id), 0.0,
                    sol.currency_id.round(sol.price_subtotal * share), sol)
        return sold

    def _agency_used_service_types(self):
        """{project id: service type ids the project uses}: sold on its sale orders (every
        type of a sold product), its own or a task's service type, or the type of time
        recorded on it."""
        # sudo: which service types a project uses (read only, for the budget check).
        projects = self._origin.sudo()
        types_by_product = self._agency_types_by_product()
        used = defaultdict(set)
        contract_lines = projects._agency_contract_lines()
        for project_id, sale_lines in contract_lines.items():
            for product in sale_lines.product_id:
                used[project_id].update(stype.id for stype in types_by_product.get(product.id, []))
        for project_id, type_id, _milestone in projects._agency_sold_budgets(contract_lines):
            used[project_id].add(type_id)
        for project in projects:
            if project.service_type_id:
                used[project.id].add(project.service_type_id.id)
        # sudo: the same check over the project's tasks (grouped).
        for project, stype in self.env["project.task"].sudo()._read_group(
            [("project_id", "in", projects.ids), ("service_type_id", "!=", False)],
            ["project_id", "service_type_id"],
        ):
            used[project.id].add(stype.id)
        # sudo: the same check over the project's time (grouped).
        for project, stype in self.env["account.analytic.line"].sudo()._read_group(
            [("project_id", "in", projects.ids), ("service_type_id", "!=", False)],
            ["project_id", "service_type_id"],
        ):
            used[project.id].add(stype.id)
        return used

    def action_agency_scope_from_order(self):
        """Add a budget line for each service type (and fixed-fee milestone) the sale order
        sold that has none yet; budgets default from the order and stay editable."""
        check_action(self, "write", BILLING_USER)
        # The lines it adds follow the orders (see agency_scope_line_auto.py), as the
        # budgets a contract's confirmation creates do.
        return self.env["agency.scope.line"].with_env(self.env)._agency_follow_orders(self)

    def action_agency_scope_refresh(self):
        """Refresh the burn and forecast of the budget lines and send due alerts."""
        check_action(self, "read", BILLING_USER)
        lines = self.agency_scope_line_ids
        lines._agency_refresh_burn()
        lines._agency_evaluate_alerts()
        return True

    def action_view_agency_change_requests(self):
        check_action(self, "read")
        self.ensure_one()
        return self._agency_change_requests_action(
            [("agency_change_request_project_id", "=", self.id)]
        )

    def _agency_change_requests_action(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "agency_billing.action_agency_change_request"
        )
        action["domain"] = domain
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Billing: retainer balance of the project's contract
    # ------------------------------------------------------------------

    retainer_balance_hours = fields.Float(
        string="Retainer Balance (h)", compute="_compute_retainer_balance", digits=(16, 2),
        help="Hours left in the current retainer period of the project's contract.",
        groups=BILLING_READERS,
    )
    has_retainer = fields.Boolean(compute="_compute_retainer_balance", groups=BILLING_READERS)

    @api.depends("sale_line_id.order_id.retainer_balance_hours")
    def _compute_retainer_balance(self):
        for project in self:
            # sudo: the retainer balance of the project's contract, shown on the project (read
            # only).
            order = project.sudo().sale_line_id.order_id
            project.has_retainer = bool(order.retainer_line_id)
            project.retainer_balance_hours = order.retainer_balance_hours if order else 0.0


class ProjectTask(models.Model):
    _inherit = "project.task"

    service_type_id = fields.Many2one(
        "agency.service.type",
        help="Time on this task is of this service type unless a classification rule says "
        "otherwise.",
        check_company=True,
    )

    @api.constrains("service_type_id", "company_id")
    def _check_agency_company(self):
        self._check_company(["service_type_id"])

    def write(self, vals):
        res = super().write(vals)
        if TASK_ROUTING_FIELDS & vals.keys():
            self.env["account.analytic.line"]._agency_route_open_entries(
                [("task_id", "in", self.ids)])
        return res

