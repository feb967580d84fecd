"""Organisations of a street and the people who act for them (see ``models``)."""
