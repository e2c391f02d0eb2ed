"""Attune: the application entry points (HTTP app and the ``attune`` command)."""
