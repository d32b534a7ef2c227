from . import agency_pm_backend
