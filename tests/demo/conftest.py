"""The benchmark phases run on the roster-period fixtures of the lifecycle tests."""

from tests.rostering.conftest import syd_site  # noqa: F401
from tests.rostering.lifecycle.conftest import add_session, pw  # noqa: F401
