"""Contract placeholder, implemented by the realtime work."""
