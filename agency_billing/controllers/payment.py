"""Portal payment of an invoice by a signed-in client."""

from odoo.http import route

from odoo.addons.account_payment.controllers import payment


class PaymentPortal(payment.PaymentPortal):
    """A signed-in client pays an invoice from its page without the invoice's token.

    ``account_payment`` serves ``/my/invoices/<id>`` to a signed-in reader with
    ``access_token=None`` (the portal's notifications and bookmarks open the invoice by
    its address), so the payment form carries no token and the form's call to
    ``/invoice/transaction/<id>`` omits it; Odoo's route requires the argument and the
    payment fails with a ``TypeError``. The token is optional here and the check stays
    Odoo's: ``_document_check_access`` lets a missing token through only when the
    signed-in user may read the invoice (the portal's record rules), and a wrong token
    of an invoice the user may not read is refused as before.
    """

    @route()
    def invoice_transaction(self, invoice_id, access_token=None, **kwargs):
        """Odoo's invoice transaction, with the access token optional for a reader of the
        invoice (see the class docstring)."""
        return super().invoice_transaction(invoice_id, access_token, **kwargs)
