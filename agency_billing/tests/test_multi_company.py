"""Two companies with a branch: rules, rates, conversion and totals per company, and no
record of one company readable from the other.

Company A (the test company, USD) has a branch, A West; company B works in EUR. Exchange
rates: a shared EUR rate of 0.8 and company A's own of 0.5 (1 USD = 0.5 EUR), which its
branch uses too (Odoo's ``res.currency._get_rates`` reads the root company's rates).
"""

from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import AgencyBillingCase

DAY = date(2026, 3, 10)


@tagged("post_install", "-at_install")
class TestMultiCompany(AgencyBillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.usd, cls.eur = env.ref("base.USD"), env.ref("base.EUR")
        cls.eur.active = True
        cls.company_a = cls.company
        assert cls.company_a.currency_id == cls.usd, "the test company works in USD"
        Company = env["res.company"]
        cls.branch = Company.create({"name": "Agency A West", "parent_id": cls.company_a.id})
        cls.company_b = Company.create({"name": "Agency B", "currency_id": cls.eur.id})
        Rate = env["res.currency.rate"]
        Rate.search([("currency_id", "in", (cls.eur | cls.usd).ids)]).unlink()
        Rate.create([
            {"currency_id": cls.eur.id, "name": date(2020, 1, 1), "rate": 0.8,
             "company_id": False},
            {"currency_id": cls.eur.id, "name": date(2020, 1, 1), "rate": 0.5,
             "company_id": cls.company_a.id},
            {"currency_id": cls.usd.id, "name": date(2020, 1, 1), "rate": 2.0,
             "company_id": cls.company_b.id},
        ])
        cls.users = {}
        for key, companies in (("a", cls.company_a | cls.branch), ("branch", cls.branch),
                               ("b", cls.company_b)):
            cls.users[key] = new_test_user(
                env, login=f"ab_mc_{key}", company_id=companies[:1].id,
                company_ids=[Command.set(companies.ids)],
                groups="agency_billing.group_agency_billing_manager",
            )
        # Roles, people, contracts and projects of each company (the client is shared).
        cls.job_branch = env["hr.job"].create({"name": "West Designer",
                                               "company_id": cls.branch.id})
        cls.job_b = env["hr.job"].create({"name": "B Designer", "company_id": cls.company_b.id})
        Employee = env["hr.employee"]
        cls.emp_branch = Employee.create({"name": "Wes West", "job_id": cls.job_branch.id,
                                          "company_id": cls.branch.id})
        cls.emp_cd_branch = Employee.create({"name": "Cleo West CD",
                                             "company_id": cls.branch.id})
        cls.emp_b = Employee.create({"name": "Bea B", "job_id": cls.job_b.id,
                                     "company_id": cls.company_b.id})
        cls.order_branch, cls.project_branch = cls._contract_in(cls.branch, cls.usd)
        cls.order_b, cls.project_b = cls._contract_in(cls.company_b, cls.eur)
        Rule = env["agency.rate.rule"]
        cls.rule_a = Rule.create({"name": "A designers", "job_id": cls.job_designer.id,
                                  "rate": 120.0})
        cls.rule_branch = Rule.create({"name": "West designers", "job_id": cls.job_branch.id,
                                       "rate": 110.0, "company_id": cls.branch.id})
        cls.rule_branch_eur = Rule.create({
            "name": "West CD in EUR", "employee_id": cls.emp_cd_branch.id, "rate": 100.0,
            "currency_id": cls.eur.id, "company_id": cls.branch.id})
        cls.rule_b = Rule.create({"name": "B designers", "job_id": cls.job_b.id, "rate": 90.0,
                                  "currency_id": cls.eur.id, "company_id": cls.company_b.id})

    @classmethod
    def _contract_in(cls, company, currency):
        """A confirmed sale order of ``company`` in ``currency`` and its project."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        pricelist = env["product.pricelist"].create({
            "name": f"{company.name} {currency.name}", "currency_id": currency.id,
            "company_id": company.id})
        order = env["sale.order"].create({
            "partner_id": cls.client.id, "company_id": company.id,
            "pricelist_id": pricelist.id,
            "order_line": [Command.create({"product_id": cls.st_design.product_id.id,
                                           "price_unit": 100.0, "product_uom_qty": 50})],
        })
        order.action_confirm()
        project = env["project.project"].create({
            "name": f"{company.name} project", "partner_id": cls.client.id,
            "company_id": company.id, "allow_billable": True, "allow_timesheets": True,
            "sale_line_id": order.order_line.id, "service_type_id": cls.st_design.id,
        })
        return order, project

    def _entry(self, employee, project, hours=2.0, day=DAY, **extra):
        company = project.company_id
        return self.env["account.analytic.line"].with_company(company).create({
            "name": "Layouts", "employee_id": employee.id, "project_id": project.id,
            "unit_amount": hours, "date": day, **extra,
        })

    # ------------------------------------------------------------------

    def test_rules_and_rates_per_company(self):
        """Each company's time is rated by its own rules, in its contract's currency."""
        entry_a = self._time(self.emp_designer, 2.0, task=self.task_design)
        entry_branch = self._entry(self.emp_branch, self.project_branch)
        entry_b = self._entry(self.emp_b, self.project_b)
        self.assertEqual(
            [(e.company_id, e.rate_rule_id, e.agency_currency_id, e.agency_rate,
              e.billed_amount) for e in (entry_a, entry_branch, entry_b)],
            [(self.company_a, self.rule_a, self.usd, 120.0, 240.0),
             (self.branch, self.rule_branch, self.usd, 110.0, 220.0),
             (self.company_b, self.rule_b, self.eur, 90.0, 180.0)],
        )
        # Odoo bills each contract at the rate, in its company.
        self.assertEqual(entry_b.so_line.order_id, self.order_b)
        self.assertEqual(entry_b.so_line.price_unit, 90.0)
        self.assertEqual(entry_b.so_line.qty_delivered, 2.0)

    def test_branch_converts_with_its_root_company_rates(self):
        """A branch converts with its root company's rate (0.5), not the shared one (0.8),
        and knows the rates only its root company has; before any rate, Odoo's first later
        rate applies and the entry says so."""
        entry = self._entry(self.emp_cd_branch, self.project_branch, hours=1.0)
        self.assertEqual(entry.rate_rule_id, self.rule_branch_eur)
        self.assertEqual(entry.agency_currency_id, self.usd)
        self.assertEqual(entry.agency_rate, 200.0)  # 100 EUR at 1 USD = 0.5 EUR
        self.assertFalse(entry.rate_issue)
        self.assertFalse(entry.needs_review)
        # A currency whose only rate is the root company's: known to the branch too.
        gbp = self.env.ref("base.GBP")
        gbp.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", gbp.id)]).unlink()
        self.env["res.currency.rate"].create({"currency_id": gbp.id, "name": date(2020, 1, 1),
                                              "rate": 0.4, "company_id": self.company_a.id})
        self.env["agency.rate.rule"].create({
            "name": "West CD in GBP", "employee_id": self.emp_cd_branch.id, "rate": 40.0,
            "currency_id": gbp.id, "company_id": self.branch.id, "sequence": 1})
        in_gbp = self._entry(self.emp_cd_branch, self.project_branch, hours=1.0)
        self.assertEqual((in_gbp.agency_rate, in_gbp.rate_issue), (100.0, False))
        early = self._entry(self.emp_cd_branch, self.project_branch, hours=1.0,
                            day=date(2019, 6, 3))
        self.assertEqual(early.agency_rate, 100.0)
        self.assertIn("No exchange rate for GBP→USD on 2019-06-03: converted at the first "
                      "later rate", early.rate_issue)

    def test_rerate_now_rerates_the_rules_company(self):
        """Re-rating from a rule of company B re-rates B's time, whatever company the user
        works in."""
        entry_a = self._time(self.emp_designer, 2.0, task=self.task_design)
        entry_b = self._entry(self.emp_b, self.project_b)
        self.rule_b.rate = 95.0  # flags B's open time for the re-rate cron
        self.rule_b.with_company(self.company_a).action_rerate_now()
        self.assertEqual((entry_b.agency_rate, entry_b.billed_amount), (95.0, 190.0))
        self.assertFalse(entry_b.agency_rerate_needed)
        self.assertEqual(entry_a.agency_rate, 120.0)

    def test_no_record_of_a_company_reads_from_another(self):
        """Users of B see none of A's (or its branch's) rules, time, budgets, overrides,
        statistics, retainer periods, anomaly flags, reminders or run lines; a branch user
        sees the branch's; a user of A and its branch sees both."""
        env = self.env
        entry_a = self._time(self.emp_designer, 2.0, task=self.task_design)
        entry_a.with_context(agency_override_reason="Agreed").write({"agency_rate": 125.0})
        entry_b = self._entry(self.emp_b, self.project_b)
        entry_b.with_context(agency_override_reason="Agreed").write({"agency_rate": 85.0})
        Scope = env["agency.scope.line"]
        scope_a = Scope.create({"project_id": self.project.id,
                                "service_type_id": self.st_design.id, "budget_hours": 10})
        scope_b = Scope.create({"project_id": self.project_b.id,
                                "service_type_id": self.st_design.id, "budget_hours": 10})
        Stat = env["agency.classification.stat"]
        stats = Stat.create([{"company_id": c.id, "token": "banner",
                              "service_type_id": self.st_design.id, "count": 1}
                             for c in (self.company_a, self.company_b)])
        Period = env["agency.retainer.period"]
        periods = Period.create([{"order_id": o.id, "date_from": date(2026, 3, 1),
                                  "date_to": date(2026, 3, 31)}
                                 for o in (self.order, self.order_b)])
        invoice_a = self.order._create_invoices()
        flag_a = env["agency.invoice.anomaly"].create(
            {"move_id": invoice_a.id, "code": "hours_spike", "reason": "Spike"})
        reminder_a = env["agency.invoice.reminder"].create(
            {"move_id": invoice_a.id, "date": DAY})
        client_a = env["res.partner"].create({"name": "A's own client",
                                              "company_id": self.company_a.id})
        run = env["agency.billing.run"].create({
            "name": "Run", "trigger": "cron", "date": DAY,
            "line_ids": [Command.create({"partner_id": p.id, "kind": "cycle",
                                         "outcome": "skipped"})
                         for p in (client_a, self.client)],
        })

        def seen(key, model, records):
            return env[model].with_user(self.users[key]).with_context(
                active_test=False).search([("id", "in", records.ids)])

        rules = self.rule_a | self.rule_branch | self.rule_branch_eur | self.rule_b
        self.assertEqual(seen("b", "agency.rate.rule", rules), self.rule_b)
        self.assertEqual(seen("branch", "agency.rate.rule", rules),
                         self.rule_branch | self.rule_branch_eur)
        self.assertEqual(seen("a", "agency.rate.rule", rules), rules - self.rule_b)
        self.assertEqual(seen("b", "account.analytic.line", entry_a | entry_b), entry_b)
        self.assertEqual(seen("b", "agency.scope.line", scope_a | scope_b), scope_b)
        overrides = (entry_a | entry_b).override_ids
        self.assertEqual(seen("b", "agency.time.override", overrides), entry_b.override_ids)
        self.assertEqual(seen("b", "agency.classification.stat", stats), stats[1])
        self.assertEqual(seen("b", "agency.retainer.period", periods), periods[1])
        self.assertFalse(seen("b", "agency.invoice.anomaly", flag_a))
        self.assertFalse(seen("b", "agency.invoice.reminder", reminder_a))
        self.assertEqual(seen("a", "agency.invoice.anomaly", flag_a), flag_a)
        self.assertEqual(seen("b", "agency.billing.run", run), run, "a run spans companies")
        self.assertEqual(seen("b", "agency.billing.run.line", run.line_ids).partner_id,
                         self.client, "only the shared client's line")
        self.assertEqual(seen("a", "agency.billing.run.line", run.line_ids), run.line_ids)

    def test_links_are_checked_against_the_company(self):
        """A record of one company cannot use another company's people, roles, service
        types, projects or policies."""
        env = self.env
        type_a = env["agency.service.type"].create({"name": "A-only strategy",
                                                    "company_id": self.company_a.id})
        with self.assertRaisesRegex(UserError, "(?i)compan"):
            env["agency.rate.rule"].create({"employee_id": self.emp_designer.id,
                                            "rate": 1.0, "company_id": self.company_b.id})
        with self.assertRaisesRegex(UserError, "(?i)compan"):
            self._entry(self.emp_b, self.project_b, service_type_id=type_a.id)
        with self.assertRaisesRegex(UserError, "(?i)compan"):
            self.project_b.service_type_id = type_a
        with self.assertRaisesRegex(UserError, "(?i)compan"):
            env["agency.scope.line"].create({"project_id": self.project_b.id,
                                             "service_type_id": self.st_design.id,
                                             "sale_line_id": self.order.order_line[0].id})
        policy_a = env["agency.reminder.policy"].create({"name": "A only",
                                                         "company_id": self.company_a.id})
        client_b = env["res.partner"].create({"name": "B's client",
                                              "company_id": self.company_b.id})
        with self.assertRaisesRegex(UserError, "(?i)compan"):
            client_b.reminder_policy_id = policy_a
        # Shared records link anywhere.
        entry = self._entry(self.emp_b, self.project_b, service_type_id=self.st_design.id)
        self.assertEqual(entry.service_type_id, self.st_design)

    def test_project_totals_never_add_currencies(self):
        """Budget lines in two currencies total in the company's currency (converted at
        A's rate), never summed as they are; one currency totals as it is."""
        Scope = self.env["agency.scope.line"]
        design = Scope.create({"project_id": self.project.id,
                               "service_type_id": self.st_design.id,
                               "budget_hours": 10.0, "budget_amount": 1000.0})
        self.assertEqual((self.project.agency_scope_currency_id,
                          self.project.agency_scope_budget_amount), (self.usd, 1000.0))
        creative = Scope.create({"project_id": self.project.id,
                                 "service_type_id": self.st_creative.id,
                                 "budget_hours": 5.0, "budget_amount": 500.0})
        creative.currency_id = self.eur
        self.assertEqual(design.currency_id, self.usd)
        self.assertEqual(self.project.agency_scope_currency_id, self.usd)
        self.assertEqual(self.project.agency_scope_budget_amount, 2000.0)  # 500 EUR = 1000 USD
        self.assertEqual(self.project.agency_scope_budget_hours, 15.0)

    def test_burn_of_time_rated_in_another_currency(self):
        """Time of the project billed on a EUR contract burns a USD budget line at its
        value in USD: 1 h at 120 USD plus 1 h at 60 EUR (120 USD) burn 240.00 USD."""
        order_eur, _project = self._make_contract(self.client, lines=[(self.st_design, 60.0, 10)],
                                                  currency=self.eur)
        task_eur = self.env["project.task"].create({
            "name": "EUR layouts", "project_id": self.project.id,
            "service_type_id": self.st_design.id, "sale_line_id": order_eur.order_line.id})
        line = self.env["agency.scope.line"].create({
            "project_id": self.project.id, "service_type_id": self.st_design.id,
            "budget_hours": 10.0, "budget_amount": 2000.0})
        usd_entry = self._time(self.emp_designer, 1.0, task=self.task_design)
        eur_entry = self._time(self.emp_designer, 1.0, task=task_eur)
        self.assertEqual((usd_entry.agency_currency_id, usd_entry.billed_amount), (self.usd, 120.0))
        self.assertEqual((eur_entry.agency_currency_id, eur_entry.billed_amount), (self.eur, 60.0))
        self.assertEqual(line.currency_id, self.usd)
        self.assertEqual((line.burn_hours, line.burn_amount), (2.0, 240.0))
        self.assertEqual(line.remaining_amount, 1760.0)
        self.assertEqual(self.project.agency_scope_burn_amount, 240.0)
