"""Step definitions for features/backup/."""
