"""The domain: documents, money, the error catalog, the ERP port and the connector registry.

The bottom layer: it imports nothing of Junipeer's, and everything else may import it.
"""
