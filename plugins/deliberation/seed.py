"""Demo data of the deliberation plugin."""


async def seed(session, street: str) -> None:
    """Idempotent demo seeder (filled in below)."""
