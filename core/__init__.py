"""Shared core of Attune: settings, database, object storage, queue, auth, audit, media."""
