"""The reports part of the demo is tested on the reports tests' world (frozen in June 2026)."""

from reports.tests.conftest import frozen, reports_world  # noqa: F401  (fixtures)
