"""Queue analytics (filled in by the analytics work)."""
