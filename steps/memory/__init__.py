"""Step definitions for features/memory/."""
