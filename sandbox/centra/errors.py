"""Business-rule failures, reported to API callers as `userErrors` with HTTP 200 (centra.md §2.5)."""


class UserError(Exception):
    """A mutation refused by a business rule. `path` points into the mutation arguments."""

    def __init__(self, message: str, path: tuple | list = ()):
        super().__init__(message)
        self.message = message
        self.path = [str(part) for part in path]

    def as_dict(self) -> dict:
        return {"message": self.message, "path": self.path}


class CaptureFailed(UserError):
    """The simulated PSP refused a capture; a FAILED payment history entry was recorded."""
