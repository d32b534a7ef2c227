from . import agency_hubspot_backend
