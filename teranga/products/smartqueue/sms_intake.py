"""Taking a ticket by SMS (filled in by the SMS work)."""
