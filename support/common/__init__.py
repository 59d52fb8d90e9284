"""Helpers every capability uses: outcomes of an attempt, exact comparison, starting together."""
