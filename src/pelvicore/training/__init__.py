"""Training: protocol timelines (and, later, exercises, programmes and games)."""
