"""Centra Integration API (GraphQL): the client, the events queue, and per-area operations."""

from .client import CentraClient
from .events import CentraEvents

__all__ = ["CentraClient", "CentraEvents"]
