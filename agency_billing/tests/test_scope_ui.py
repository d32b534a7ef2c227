from datetime import date

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestScopePortal(HttpCase):
    """A change request signed by the client in the portal releases the held time into
    the next invoice (browser tour as the portal client, through sale's portal routes)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env
        env["agency.rate.rule"].search([]).active = False
        env["agency.classification.rule"].search([]).active = False
        design = env.ref("agency_billing.service_type_design")
        designer = env["hr.job"].create({"name": "Portal Test Designer"})
        cls.employee = env["hr.employee"].create({"name": "Dee Designer",
                                                  "job_id": designer.id})
        env["agency.rate.rule"].create({"job_id": designer.id, "rate": 100.0})
        cls.client = env["res.partner"].create({"name": "Portal Foods", "is_company": True,
                                                "agency_over_scope_policy": "held"})
        cls.portal_user = new_test_user(
            env, login="ab_portal_client", groups="base.group_portal", name="Casey Client",
            email="casey@portal-foods.example",
        )
        cls.portal_user.partner_id.parent_id = cls.client
        cls.director = new_test_user(
            env, login="ab_portal_ad", groups="agency_billing.group_agency_billing_user,"
            "sales_team.group_sale_salesman", email="ad@agency.example",
        )
        cls.contract = env["sale.order"].create({
            "partner_id": cls.client.id,
            "order_line": [Command.create({"product_id": design.product_id.id,
                                           "price_unit": 100.0, "product_uom_qty": 10})],
        })
        cls.contract.action_confirm()
        cls.project = env["project.project"].create({
            "name": "Portal Foods relaunch", "partner_id": cls.client.id,
            "allow_billable": True, "allow_timesheets": True,
            "sale_line_id": cls.contract.order_line.id,
            "account_director_id": cls.director.id,
        })
        cls.task = env["project.task"].create({"name": "Layouts", "project_id": cls.project.id,
                                               "service_type_id": design.id})
        cls.line = cls.project.action_agency_scope_from_order()
        cls.entries = env["account.analytic.line"].create([{
            "name": f"Layouts {i}", "employee_id": cls.employee.id,
            "project_id": cls.project.id, "task_id": cls.task.id,
            "unit_amount": hours, "date": date(2026, 3, 2 + i),
        } for i, hours in enumerate([4.0, 4.0, 3.0, 2.0])])

    def test_portal_client_accepts_change_request(self):
        held = self.entries[3]
        self.assertEqual((self.line.budget_hours, self.line.held_hours), (10.0, 2.0))
        self.assertTrue(held.billing_hold)
        first = self.contract._create_invoices()
        self.assertEqual(first.amount_untaxed, 1100.0, "the held time is not invoiced")
        # The Account Director drafts the change request and sends it to the client.
        wizard = self.env["agency.change.request.wizard"].with_user(self.director).create(
            {"scope_line_id": self.line.id, "hours": 5.0, "note": "A fourth layout set"})
        order = self.env["sale.order"].browse(wizard.action_create()["res_id"])
        order.action_quotation_sent()
        self.assertEqual(order.state, "sent")

        self.start_tour(f"/my/orders/{order.id}", "agency_scope_change_request_tour",
                        login="ab_portal_client")

        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Casey Client")
        self.assertTrue(order.agency_change_request_applied)
        self.assertEqual(self.line.budget_hours, 15.0)
        self.assertFalse(held.billing_hold)
        self.assertTrue(held.over_scope)
        self.assertEqual(held.so_line.order_id, order)
        self.assertTrue(self.project.message_ids.filtered(
            lambda m: f"Change request {order.name} accepted by Casey Client" in (m.body or "")))
        # The next invoice of the change request bills the released time at its rate.
        invoice = order._create_invoices()
        self.assertEqual(
            [(line.quantity, line.price_unit, line.price_subtotal)
             for line in invoice.invoice_line_ids.filtered("product_id")],
            [(2.0, 100.0, 200.0)],
        )
        self.assertEqual(invoice.amount_untaxed, 200.0)
        self.assertEqual(held.timesheet_invoice_id, invoice)


@tagged("post_install", "-at_install")
class TestScopeScreens(HttpCase):
    """An Account Director finds a project over budget and its budget lines in the web
    client (list, form tab, kanban badge)."""

    def test_projects_at_risk_tour(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True))
        env["agency.rate.rule"].search([]).active = False
        design = env.ref("agency_billing.service_type_design")
        new_test_user(
            env, login="ab_scope_ad", password="ab_scope_ad",
            groups="agency_billing.group_agency_billing_user,project.group_project_user,"
            "sales_team.group_sale_salesman",
        )
        client = env["res.partner"].create({"name": "Tour Client", "is_company": True})
        project = env["project.project"].create({
            "name": "Tour Scope Project", "partner_id": client.id, "allow_timesheets": True,
            "service_type_id": design.id,
        })
        task = env["project.task"].create({"name": "Layouts", "project_id": project.id,
                                           "service_type_id": design.id})
        employee = env["hr.employee"].create({"name": "Tour Designer"})
        env["agency.scope.line"].create({"project_id": project.id,
                                         "service_type_id": design.id, "budget_hours": 10.0})
        env["account.analytic.line"].create({
            "name": "Layouts", "project_id": project.id, "task_id": task.id,
            "employee_id": employee.id, "unit_amount": 12.0, "date": date(2026, 3, 2),
        })
        self.assertEqual(project.agency_scope_status, "over")
        self.start_tour("/odoo/action-agency_billing.action_agency_projects_at_risk",
                        "agency_scope_screens_tour", login="ab_scope_ad")
