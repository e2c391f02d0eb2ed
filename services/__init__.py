"""The HTTP services of the pipeline: ingest -> annotate -> review (plus accounts)."""
