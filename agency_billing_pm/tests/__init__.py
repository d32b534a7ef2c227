from . import test_backend
from . import test_pm_importers
