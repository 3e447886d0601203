"""Calendar endpoints (filled in by the calendar work)."""
