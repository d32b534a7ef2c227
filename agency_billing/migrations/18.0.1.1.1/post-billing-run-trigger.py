"""Billing runs tell a button from an API call: runs recorded ``manual`` (a person, before
buttons and API calls were told apart) become ``button``, the way most of them started."""


def migrate(cr, version):
    cr.execute("UPDATE agency_billing_run SET trigger = 'button' WHERE trigger = 'manual'")
