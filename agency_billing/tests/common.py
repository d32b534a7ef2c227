"""Shared fixtures for Agency Billing tests: each test class builds its own agency."""

from contextlib import closing, contextmanager
from datetime import date

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, new_test_user


class AgencyBillingCase(TransactionCase):
    """A small agency built in setUpClass: never relies on demo data.

    Roles (job positions), employees, the shipped service types, one client with a
    confirmed contract (sale order) and its project, and helpers to record time.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.uom_hour = cls.env.ref("uom.product_uom_hour")
        cls.user_finance = new_test_user(
            cls.env,
            login="ab_finance",
            groups="agency_billing.group_agency_billing_manager,sales_team.group_sale_manager,"
            "account.group_account_invoice,hr_timesheet.group_timesheet_manager",
        )
        cls.user_ad = new_test_user(
            cls.env,
            login="ab_account_director",
            groups="agency_billing.group_agency_billing_user,base.group_user",
        )
        # Start from no rules at all (the demo agency's rules would interfere)
        cls.env["agency.rate.rule"].search([]).active = False
        cls.env["agency.classification.rule"].search([]).active = False
        cls.env["agency.classification.stat"].search([]).unlink()
        # Service types shipped with the addon
        ref = cls.env.ref
        cls.st_creative = ref("agency_billing.service_type_creative")
        cls.st_design = ref("agency_billing.service_type_design")
        cls.st_copy = ref("agency_billing.service_type_copywriting")
        cls.st_account = ref("agency_billing.service_type_account_management")
        cls.st_media = ref("agency_billing.service_type_media_buying")
        cls.st_internal = ref("agency_billing.service_type_internal")
        cls.st_comm = ref("agency_billing.service_type_client_communication")
        # Roles and people
        Job = cls.env["hr.job"]
        cls.job_cd = Job.create({"name": "Test Creative Director"})
        cls.job_designer = Job.create({"name": "Test Designer"})
        cls.job_ad = Job.create({"name": "Test Account Director"})
        Employee = cls.env["hr.employee"]
        cls.emp_cd = Employee.create({"name": "Casey CD", "job_id": cls.job_cd.id})
        cls.emp_designer = Employee.create({"name": "Dana Designer", "job_id": cls.job_designer.id})
        cls.emp_ad = Employee.create({"name": "Alex AD", "job_id": cls.job_ad.id})
        # A client with a confirmed contract and its project
        cls.client = cls.env["res.partner"].create({"name": "Acme Test Foods", "is_company": True})
        cls.order, cls.project = cls._make_contract(cls.client)
        cls.task_design = cls.env["project.task"].create({
            "name": "Visual set", "project_id": cls.project.id,
            "service_type_id": cls.st_design.id,
        })

    @classmethod
    def _make_contract(cls, client, lines=None, currency=None):
        """A confirmed sale order with hourly lines, and its billable project."""
        lines = lines or [(cls.st_creative, 150.0, 40), (cls.st_design, 120.0, 60)]
        values = {
            "partner_id": client.id,
            "order_line": [
                Command.create({
                    "product_id": stype.product_id.id,
                    "price_unit": price,
                    "product_uom_qty": qty,
                })
                for stype, price, qty in lines
            ],
        }
        if currency:
            pricelist = cls.env["product.pricelist"].create(
                {"name": f"Pricelist {currency.name}", "currency_id": currency.id}
            )
            values["pricelist_id"] = pricelist.id
        order = cls.env["sale.order"].create(values)
        order.action_confirm()
        project = cls.env["project.project"].create({
            "name": f"{client.name} project",
            "partner_id": client.id,
            "allow_billable": True,
            "allow_timesheets": True,
            "sale_line_id": order.order_line[0].id,
        })
        return order, project

    def _time(self, employee, hours, day=date(2026, 3, 10), project=None, task=None,
              name="Work", **extra):
        """Record one time entry (as a timesheet) and return it."""
        values = {
            "name": name,
            "employee_id": employee.id,
            "project_id": (project or self.project).id,
            "task_id": task.id if task else False,
            "unit_amount": hours,
            "date": day,
            **extra,
        }
        return self.env["account.analytic.line"].create(values)

    def _rule(self, rate, **criteria):
        """Create a fixed-rate rule with the given criteria (records or ids)."""
        values = {"rate": rate}
        for key, value in criteria.items():
            values[key] = value.id if hasattr(value, "_name") else value
        return self.env["agency.rate.rule"].create(values)

    @contextmanager
    def assertRefused(self, exception, pattern):
        """The block raises `exception` with a message matching `pattern`, and whatever it
        wrote is rolled back (Odoo's assertRaises runs it in a savepoint)."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def _invoice(self, order=None):
        """Invoice what the order delivered, with Odoo's own sale-order invoicing."""
        order = order or self.order
        return order._create_invoices()

    def _line_amounts(self, invoice):
        """{(product, price): (quantity, subtotal)} of an invoice's product lines."""
        return {
            (line.product_id, line.price_unit): (line.quantity, line.price_subtotal)
            for line in invoice.invoice_line_ids.filtered("product_id")
        }


class CommittedDataCase(TransactionCase):
    """For tests whose fixture other transactions (threads, processes) must see: real
    cursors that commit, and environments on them."""

    def _cursor(self):
        return closing(self.registry.cursor())

    def _env(self, cr, **context):
        if cr.transaction is None:
            # Not through Registry(dbname): its class lock is held by the test runner.
            cr.transaction = api.Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, **context})
