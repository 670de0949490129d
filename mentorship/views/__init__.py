"""The pages of the mentorship app, one module per area."""
