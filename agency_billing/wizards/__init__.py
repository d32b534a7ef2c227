from . import agency_change_request_wizard
from . import agency_time_override_wizard
