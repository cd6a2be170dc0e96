"""The engine's fixtures (publish a workflow, a customer, real workers) for the reports."""

from tests.engine.conftest import customer, publish, publisher_user  # noqa: F401
from tests.engine.workers import own_redis, workers  # noqa: F401
