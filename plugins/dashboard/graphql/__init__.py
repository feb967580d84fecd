"""GraphQL of the dashboard: its types, the ``cockpit`` query and the ``acknowledgeHotspot``
mutation (``plugin.py`` registers ``queries.DashboardQuery`` and ``mutations.DashboardMutation``)."""
