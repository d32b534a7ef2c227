from . import account_analytic_line
from . import agency_classification_rule
from . import agency_pm_backend
from . import agency_pm_project_link
from . import agency_pm_user
from . import agency_pm_value_mapping
from . import project
from . import agency_pm_backend_rounds
