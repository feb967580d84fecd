"""Identity and security: accounts, roles per street, tokens, permissions, audit."""
