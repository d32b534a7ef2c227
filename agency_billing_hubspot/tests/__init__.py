from . import test_backend
from . import test_sync_layer
from . import test_hubspot_sync
from . import test_hubspot_activities
from . import test_hubspot_webhook
from . import test_hubspot_interrupt
from . import test_migration
from . import test_hubspot_real_portals
