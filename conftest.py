"""Makes Jiedao's test fixtures available to the core's and the plugins' tests."""

pytest_plugins = ["core.testing.fixtures"]
