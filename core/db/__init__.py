"""Database access: models, sessions and migrations."""
