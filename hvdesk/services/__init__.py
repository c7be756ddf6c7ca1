"""Use cases. Each public method is one transaction that writes an audit Event."""
