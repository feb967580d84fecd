"""GraphQL of the mediation plugin: ``types`` (one module per part of the domain),
``queries`` (and the fields added to ``Building`` and ``Resident``), ``mutations``."""
