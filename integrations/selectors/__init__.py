"""Reads for the console, the shop owners' area and the partner API: constant query counts.

Writes live in `integrations/services/`; these only read, so every surface shows the same figures.
"""
