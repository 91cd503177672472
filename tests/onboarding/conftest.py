from .fixtures import owner_client, sandbox  # noqa: F401  (shared with tests/browser/test_wizard.py)
