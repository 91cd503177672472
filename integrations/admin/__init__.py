"""The staff console (django-unfold over the Django admin). Thin: pages over selectors, actions
over services. The dashboard is `dashboard.py`, the menu `navigation.py`."""

from . import alerts, api_keys, integrations, mappings, records, system  # noqa: F401  (each registers its pages)
