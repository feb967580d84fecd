"""A tiny test plugin: a query, a mutation, a field on Building, a table and a CLI command."""
