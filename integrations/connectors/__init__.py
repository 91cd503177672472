"""One package per external system; each registers its descriptor (`domain.registry`) on import."""

from .centra import descriptor as centra_descriptor
from .fortnox import descriptor as fortnox_descriptor

__all__ = ["centra_descriptor", "fortnox_descriptor"]
