from . import agency_sync_backend_ref  # mixins first: the sync records inherit it
from . import agency_sync_backend_mixin
from . import agency_sync_binding
from . import agency_sync_conflict
from . import agency_sync_event
from . import agency_sync_log
from . import agency_sync_ownership
from . import agency_sync_run
