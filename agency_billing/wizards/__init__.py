from . import agency_time_override_wizard
