"""Background jobs (RQ): transcoding recordings into streamable clips."""
