"""Microsoft Dynamics 365 Business Central: API v2.0 client and the ERP adapter (business-central.md)."""

from .client import BusinessCentralClient
from .erp import BusinessCentralERP

__all__ = ["BusinessCentralClient", "BusinessCentralERP"]
