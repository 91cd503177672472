"""Shop owners' side: accounts, the Get Started wizard (/get-started/) and the self-service area (/app/).

Views here are thin over the engine's services (`integrations.services`) and this app's own
services; every object is looked up through the signed-in user's organization.
"""
