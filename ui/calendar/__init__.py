"""The schedule calendar: day, week, month and staff-lane views, booking, moving, export (issue 4)."""
