"""Review: recordings and curated playlists served back for supervision and visits."""
