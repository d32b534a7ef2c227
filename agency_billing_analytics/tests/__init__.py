from . import test_analytics
from . import test_analytics_ui
from . import test_revision_leakage
