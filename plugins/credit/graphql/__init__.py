"""The credit plugin's GraphQL: ``types`` and queries, ``mutations``."""
