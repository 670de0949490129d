"""Every write of the mentorship app, one module per area (see docs/mentorship.md)."""
