from . import test_backend
from . import test_pm_importers
from . import test_monday_interrupt
from . import test_monday_limits
from . import test_monday_sync
from . import test_monday_webhook
