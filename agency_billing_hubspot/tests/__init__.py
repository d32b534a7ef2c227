from . import test_backend
from . import test_sync_layer
from . import test_hubspot_sync
