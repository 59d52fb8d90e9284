"""Step definitions for features/coordination/."""
