"""The shared GraphQL schema: building blocks every plugin uses and their composition."""
