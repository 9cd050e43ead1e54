"""The clip QC's tests use the integration tests' in-process CLI."""

from tests.integration.conftest import cli  # noqa: F401  (a fixture, found by name)
