from . import agency_hubspot_link_mixin  # mixin first: the linked models inherit it
from . import account_analytic_line
from . import agency_classification_rule
from . import agency_hubspot_backend
from . import agency_hubspot_mapping
from . import agency_hubspot_owner
from . import agency_sync_binding
from . import res_partner
from . import sale_order
