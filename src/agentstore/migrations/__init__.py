"""The Alembic migration history, shipped inside the package."""
