from . import payment
from . import portal
from . import portal_deliverable
