"""Grids (网格): every building belongs to one grid, served by its grid workers (see ``models``)."""
