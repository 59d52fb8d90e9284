"""Step definitions, one module per domain; registered only by the root conftest."""
