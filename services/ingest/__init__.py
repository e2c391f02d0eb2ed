"""Ingest: cases and recordings come in, streamed straight into object storage."""
