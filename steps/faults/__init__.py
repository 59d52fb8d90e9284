"""Step definitions for features/faults/."""
