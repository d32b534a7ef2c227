"""Contracts: what invoices drafted from them tell the client (payment terms, who to
talk to, line descriptions)."""

from odoo import models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class SaleOrderClient(models.Model):
    _inherit = "sale.order"

    def _create_invoices(self, grouped=False, final=False, date=None):
        moves = super()._create_invoices(grouped=grouped, final=final, date=date)
        return self.env["account.move"]._agency_label_new_invoices(moves)

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        if not values.get("invoice_payment_term_id"):
            term = self._agency_payment_term()
            if term:
                values["invoice_payment_term_id"] = term.id
        user = self._agency_invoice_user()
        values["invoice_user_id"] = user.id
        return values

    def _agency_payment_term(self):
        """The client's payment terms, else the company's default (never "due on the day
        of issue" by accident)."""
        self.ensure_one()
        client = self.partner_invoice_id.commercial_partner_id.with_company(self.company_id)
        return client.property_payment_term_id or self.company_id.agency_payment_term_id

    def _agency_invoice_user(self):
        """Who the client talks to about the invoice: the project's Account Director,
        else the salesperson — never the system user that ran the billing."""
        self.ensure_one()
        root = self.env.ref("base.user_root")
        order = self.sudo()  # projects are read for their Account Director only
        directors = order.project_ids.account_director_id | order.project_id.account_director_id
        for user in (directors[:1], self.user_id):
            if user and user != root:
                return user
        return self.env["res.users"]
