"""Fortnox API v3: the HTTP client (OAuth2, errors) and the ERP adapter (documents -> payloads)."""

from .client import FortnoxClient
from .erp import FortnoxERP

__all__ = ["FortnoxClient", "FortnoxERP"]
