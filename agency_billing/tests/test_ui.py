from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestUi(HttpCase):
    """The web client, in headless Chromium, as an agency user."""

    def test_menu_tour(self):
        """An Account Director opens the web client and reaches the Agency Billing app."""
        new_test_user(
            self.env,
            login="ab_tour_user",
            password="ab_tour_user",
            groups="agency_billing.group_agency_billing_user,base.group_user",
        )
        self.start_tour("/odoo", "agency_billing_menu_tour", login="ab_tour_user")
