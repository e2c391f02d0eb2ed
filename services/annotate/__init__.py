"""Annotate: positive moments, mismatch/repair segments and ratings on a clip."""
