from datetime import date

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestAnalyticsUi(HttpCase):
    """The dashboard and every report open in headless Chromium, as an Account Director."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env = env
        today = date.today()
        client = env["res.partner"].create({"name": "Tour Analytics Client", "is_company": True})
        job = env["hr.job"].create({"name": "Tour Analytics Designer"})
        employee = env["hr.employee"].create({"name": "Tia Tour", "job_id": job.id,
                                              "hourly_cost": 40.0})
        project = env["project.project"].create({
            "name": "Tour Analytics Project", "partner_id": client.id,
            "allow_timesheets": True,
            "service_type_id": env.ref("agency_billing.service_type_design").id})
        env["account.analytic.line"].create({
            "name": "Layouts", "employee_id": employee.id, "project_id": project.id,
            "unit_amount": 3.0, "date": today})
        invoice = env["account.move"].create({
            "move_type": "out_invoice", "partner_id": client.id, "invoice_date": today,
            "invoice_line_ids": [Command.create({
                "name": "Design", "quantity": 1, "price_unit": 900.0,
                "tax_ids": [Command.clear()]})]})
        invoice.action_post()
        env["agency.kpi.snapshot"]._agency_take(env.company, today.replace(day=1))
        env["agency.cash.forecast"]._agency_store(env.company)
        new_test_user(env, login="ab_analytics_tour", password="ab_analytics_tour",
                      groups="agency_billing.group_agency_billing_user,base.group_user")

    def test_dashboard_and_reports_tour(self):
        """Reporting > Dashboard opens the spreadsheet dashboard, its charts open the reports
        behind them (Margin by client → Profitability, Hour Recovery → Recovery); each report
        opens on its default grouping."""
        self.start_tour("/odoo/action-agency_billing_analytics.action_agency_dashboard",
                        "agency_analytics_tour", login="ab_analytics_tour")
