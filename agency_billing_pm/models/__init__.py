from . import agency_pm_backend
from . import agency_pm_project_link
from . import agency_pm_user
from . import agency_pm_value_mapping
from . import project
