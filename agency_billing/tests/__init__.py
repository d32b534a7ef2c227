from . import test_classification
from . import test_install
from . import test_overrides
from . import test_rate_rules
from . import test_rounding
from . import test_scope
from . import test_scope_ui
from . import test_ui
