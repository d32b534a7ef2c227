"""Shared fixtures for Agency Billing tests: each test class builds its own agency."""

from odoo.tests import TransactionCase, new_test_user


class AgencyBillingCase(TransactionCase):
    """A small agency built in setUpClass: never relies on demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
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
