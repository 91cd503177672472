"""OAuth2 tokens and where a client keeps them: shared by every connector that uses OAuth2.

A refresh token may work once (Fortnox: it does), so a store persists the new pair before anything
uses it, under a lock shared by every worker of the connection.
"""

import time
from dataclasses import dataclass
from typing import Protocol

REFRESH_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class OAuthTokens:
    access_token: str
    refresh_token: str
    expires_at: float  # Unix time

    @classmethod
    def from_answer(cls, answer: dict, now: float | None = None) -> "OAuthTokens":
        """A client-credentials answer has no refresh token: the next one is fetched the same way."""
        now = time.time() if now is None else now
        return cls(answer["access_token"], answer.get("refresh_token", ""), now + float(answer.get("expires_in", 3600)))

    def expires_soon(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at - REFRESH_MARGIN_SECONDS


class TokenStore(Protocol):
    def current(self) -> OAuthTokens: ...

    def refresh(self, stale_access_token: str, exchange) -> OAuthTokens:
        """Under a lock: if someone already replaced `stale_access_token`, return theirs; else
        call `exchange(refresh_token) -> OAuthTokens`, persist the answer, and return it."""
        ...


