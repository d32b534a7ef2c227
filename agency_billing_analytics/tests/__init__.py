from . import test_analytics
from . import test_analytics_ui
