"""Work items (事项): the one loop every plugin feeds — opened, dispatched, handled, rated, escalated."""
