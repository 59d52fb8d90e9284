"""The few helpers that look under the public API: rows in tables, keys on servers.

Steps use these only to prove what the API cannot say (an expired row is really gone)."""
