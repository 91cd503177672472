from .fixtures import bc_sandbox, owner_client, sandbox  # noqa: F401  (shared with tests/browser/)
