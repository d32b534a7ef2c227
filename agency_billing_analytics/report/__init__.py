from . import agency_report_mixin  # mixin first: the reports inherit it
from . import agency_report_estimate
from . import agency_report_invoice
from . import agency_report_profitability
from . import agency_report_recovery
from . import agency_report_utilization
from . import agency_report_revision
