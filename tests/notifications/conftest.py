# The merchant of the SLA tests, who files without an e-mail address: the outbox then holds only
# what escalations owe.
from tests.sla.conftest import merchant  # noqa: F401
