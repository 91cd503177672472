"""One package per external system; each registers its descriptor (`domain.registry`) on import."""

from .business_central import descriptor as business_central_descriptor
from .centra import descriptor as centra_descriptor
from .fortnox import descriptor as fortnox_descriptor

__all__ = ["business_central_descriptor", "centra_descriptor", "fortnox_descriptor"]
