"""The people's front end as the server ships it: the built app (``dist/``, from ``frontend/``),
the landing page at ``/``, the favicon, and the routes that serve them.

The app at ``/app/{street}/`` talks only to the street's public GraphQL endpoint; the server
adds nothing but its street's name and plugins to the page (a ``<meta>`` JSON)."""
