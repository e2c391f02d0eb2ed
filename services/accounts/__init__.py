"""Accounts: logging in and who am I. Users are added by an admin from the CLI."""
