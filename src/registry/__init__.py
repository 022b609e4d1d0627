"""The mental-health services registry."""
