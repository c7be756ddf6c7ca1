"""The risk-assessment wizard and the read-only assessment view (issue 3)."""
