from . import agency_analytics_buttons  # before the partner and project inherit it
from . import agency_analytics_demo
from . import agency_cash_forecast
from . import agency_kpi_snapshot
from . import agency_rate_suggestion
from . import project_project
from . import res_company
from . import res_config_settings
from . import res_partner
