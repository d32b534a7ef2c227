from . import account_move_reversal
from . import agency_billing_run_wizard
from . import agency_change_request_wizard
from . import agency_invoice_approve_wizard
from . import agency_time_override_wizard
