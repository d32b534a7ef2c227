"""Fixtures for billing tests: a client with billing preferences, rates and contacts."""

from datetime import date

from lxml import html

from odoo import Command

from .common import AgencyBillingCase


class AgencyBillingRunCase(AgencyBillingCase):
    """The agency of AgencyBillingCase with billing automation on one client.

    The client (a monthly cycle on the 1st, invoices reviewed before sending) has one
    billing contact; its project bills creative time. Rates: Creative Director 150/h,
    Designer 120/h (the contract's prices), so nothing is flagged for a missing rule.
    Other clients of the database (the demo agency) are left out of billing.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        Partner.search([("billing_automation", "=", True)]).billing_automation = False
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_payment.enable_portal_payment", True)
        cls.contact = Partner.create({
            "name": "Bea Billing", "parent_id": cls.client.id, "type": "invoice",
            "email": "bea@acme-test.example",
        })
        cls.client.write({
            "billing_automation": True,
            "billing_cycle": "monthly",
            "billing_month_day": 1,
            "invoice_detail_level": "service_type",
            "invoice_grouping": "client",
            "auto_send": False,
            "billing_contact_ids": [Command.set(cls.contact.ids)],
        })
        cls.project.service_type_id = cls.st_creative
        Rule = cls.env["agency.rate.rule"]
        Rule.create({"name": "Card CD", "job_id": cls.job_cd.id, "rate": 150.0})
        Rule.create({"name": "Card designer", "job_id": cls.job_designer.id, "rate": 120.0})
        cls.creative_line = cls.order.order_line.filtered(
            lambda sol: sol.product_id == cls.st_creative.product_id)
        cls.design_line = cls.order.order_line.filtered(
            lambda sol: sol.product_id == cls.st_design.product_id)

    @classmethod
    def _add_retainer(cls, order, fee, hours=10.0, rollover="rollover", cap=5.0):
        """Give a contract a monthly retainer: a fee line and the hours it covers; return
        the fee line."""
        order.write({
            "order_line": [Command.create({
                "product_id": cls.env.ref("agency_billing.product_retainer_fee").id,
                "price_unit": fee, "product_uom_qty": 12, "name": "Monthly retainer",
            })],
            "retainer_hours": hours,
            "retainer_rollover": rollover,
            "retainer_rollover_cap": cap,
        })
        return order.retainer_line_id

    # -- running -------------------------------------------------------------

    def _runner(self, day):
        return self.env["agency.billing.run"].with_context(agency_billing_today=day)

    def _run_due(self, day, clients=None):
        """The billing cron's run on ``day`` (limited to ``clients`` when given)."""
        return self._runner(day)._run_due(day, clients=clients or self.client)

    def _run_now(self, day, client=None):
        """"Run Billing Now" on a client on ``day``."""
        return self._runner(day)._run_clients(client or self.client)

    def _start_client(self, last_billed, client=None):
        """Put a client on its cycle as if billed up to ``last_billed``."""
        (client or self.client).billing_last_period_end = last_billed

    # -- invoices ----------------------------------------------------------------

    def _post(self, invoice, day=date(2026, 3, 31)):
        """Post an invoice dated ``day`` (due the same day: no payment terms)."""
        invoice.write({"invoice_date": day, "invoice_payment_term_id": False,
                       "invoice_date_due": day})
        invoice.action_post()
        return invoice

    def _history(self, client, amounts, start=date(2025, 12, 1)):
        """Posted invoices of a client for these untaxed amounts, a month apart."""
        product = self.st_creative.product_id
        moves = self.env["account.move"]
        for index, amount in enumerate(amounts):
            day = date(start.year + (start.month + index - 1) // 12,
                       (start.month + index - 1) % 12 + 1, 1)
            move = self.env["account.move"].create({
                "move_type": "out_invoice",
                "partner_id": client.id,
                "invoice_date": day,
                "invoice_line_ids": [Command.create({
                    "product_id": product.id, "quantity": 1, "price_unit": amount,
                    "tax_ids": [Command.clear()],
                })],
            })
            move.action_post()
            moves |= move
        return moves

    def _flags(self, invoice):
        """Codes of the open anomaly flags of an invoice."""
        return set(invoice.anomaly_ids.filtered(lambda a: a.state == "open").mapped("code"))

    def _report_text(self, invoice):
        """The invoice PDF (rendered as HTML in tests) as whitespace-normalised text."""
        content, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids)
        text = html.fromstring(content).text_content()
        return " ".join(text.split())
