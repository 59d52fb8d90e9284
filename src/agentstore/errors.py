"""Every error agentstore raises, in one hierarchy.

Catch ``AgentstoreError`` to catch them all; each child names one thing a caller
can get wrong or one way the world can fail::

    AgentstoreError
    ├── InvalidURL               a URL agentstore cannot use (unknown or wrong scheme)
    ├── BackendUnavailable       a server that does not answer (URL shown, password hidden)
    │   ├── AuthenticationFailed a server that refused the user or password (password hidden)
    │   └── WriteNotReplicated   a write fewer replicas confirmed than asked (Redis WAIT)
    ├── InvalidInput             bad input from the caller; nothing was changed
    │   ├── InvalidKey           a memory key outside its namespace, empty, too long, control chars
    │   ├── InvalidValue         a value JSON cannot hold exactly
    │   ├── InvalidTTL           a time-to-live that is not a finite number above zero
    │   ├── InvalidName          a queue, lease or channel name: empty, too long, control chars
    │   └── InvalidOption        a setting out of its range (max_attempts below 1, a bad run_at)
    ├── MigrationError           the schema cannot be moved as asked
    │   ├── UnknownRevision      a revision name the migration history does not know
    │   ├── SchemaNotMigrated    the database has no agentstore schema yet
    │   └── SchemaTooNew         the database is at a revision newer than this code
    ├── RecordError              a write the data rules refuse; nothing was written
    │   ├── DuplicateName        an agent name that is already taken
    │   ├── MissingRecord        a record that does not exist (e.g. an execution's agent)
    │   └── ConstraintViolation  any other rule the database enforces
    ├── PoolExhausted            no connection became free within the pool timeout
    ├── WriteConflict            concurrent writers kept deadlocking; retries ran out
    ├── CoordinationError        queues, leases and events refusing an operation
    │   ├── LeaseLost            the caller no longer holds the lease or job it names
    │   ├── UnknownJob           a job the queue does not hold (unknown, another queue's)
    │   └── Unsupported          a coordination feature the backend does not offer
    └── BackupError              a backup, restore, export or import that cannot proceed
        ├── TargetNotEmpty       a restore or import into a database that holds data
        ├── BackupCorrupt        a file that is not a backup, is cut short, or is damaged
        ├── BackupTooNew         a newer format, schema revision or PostgreSQL than this side takes
        ├── ToolsMismatch        no pg_dump / pg_restore fits the server's major version
        └── VerificationFailed   restored data differ from what the backup recorded (names table)

``InvalidInput`` is also a ``ValueError`` and ``MissingRecord`` a ``LookupError``, so
code that already catches the built-in kinds keeps working; ``UnknownJob`` is a
``LookupError`` too.
"""

from __future__ import annotations

__all__ = [
    "AgentstoreError",
    "AuthenticationFailed",
    "BackendUnavailable",
    "BackupCorrupt",
    "BackupError",
    "BackupTooNew",
    "ConstraintViolation",
    "CoordinationError",
    "DuplicateName",
    "InvalidInput",
    "InvalidKey",
    "InvalidName",
    "InvalidOption",
    "InvalidTTL",
    "InvalidURL",
    "InvalidValue",
    "LeaseLost",
    "MigrationError",
    "MissingRecord",
    "PoolExhausted",
    "RecordError",
    "SchemaNotMigrated",
    "SchemaTooNew",
    "TargetNotEmpty",
    "ToolsMismatch",
    "UnknownJob",
    "UnknownRevision",
    "Unsupported",
    "VerificationFailed",
    "WriteConflict",
    "WriteNotReplicated",
]


class AgentstoreError(Exception):
    """The root of every error agentstore raises."""


class InvalidURL(AgentstoreError, ValueError):
    """A URL agentstore cannot use: unknown scheme, or the wrong backend for the call."""


class BackendUnavailable(AgentstoreError):
    """A backend did not answer; the message names its URL with the password hidden."""


class AuthenticationFailed(BackendUnavailable):
    """A server that answered but refused the user or password (PostgreSQL SQLSTATE 28000 or
    28P01; Redis NOAUTH or WRONGPASS); the message names the URL with the password hidden."""


class WriteNotReplicated(BackendUnavailable):
    """A write the master applied but fewer replicas confirmed within the wait than asked
    (``open_memory(..., replicas=n)``): it may be lost if the master fails before replicating."""


class InvalidInput(AgentstoreError, ValueError):
    """The caller passed something agentstore refuses; nothing was changed."""


class InvalidKey(InvalidInput):
    """A memory key outside its namespace, empty, too long, or holding control characters."""


class InvalidValue(InvalidInput):
    """A value JSON cannot hold exactly (NaN, infinities, bytes, sets, arbitrary objects)."""


class InvalidTTL(InvalidInput):
    """A time-to-live that is not a finite number of seconds above zero."""


class InvalidName(InvalidInput):
    """A queue, lease or channel name that is empty, too long, or holds control characters."""


class InvalidOption(InvalidInput):
    """A setting out of its range: ``max_attempts`` below 1, a priority or ``run_at`` of the
    wrong kind."""


class MigrationError(AgentstoreError):
    """The schema cannot be moved as asked."""


class UnknownRevision(MigrationError):
    """A revision name that the migration history does not know."""


class SchemaNotMigrated(MigrationError):
    """The database holds no agentstore schema yet: run ``agentstore migrate up``."""


class SchemaTooNew(MigrationError):
    """The database is at a revision this code does not know: it is newer than the code."""


class RecordError(AgentstoreError):
    """A write that the data rules refuse; the transaction was rolled back."""


class DuplicateName(RecordError):
    """A unique name (such as an agent's) that is already taken."""


class MissingRecord(RecordError, LookupError):
    """A record that does not exist, such as the agent an execution points at."""


class ConstraintViolation(RecordError):
    """Any other rule the database enforces."""


class PoolExhausted(AgentstoreError):
    """No connection became free within the configured pool timeout."""


class WriteConflict(AgentstoreError):
    """Concurrent writers kept deadlocking or conflicting; the bounded retries ran out and
    nothing of the refused write was kept. Trying again later is safe."""


class CoordinationError(AgentstoreError):
    """A queue or lease operation that cannot be carried out."""


class LeaseLost(CoordinationError):
    """The caller no longer holds the lease or job it names (it lapsed or was taken over)."""


class UnknownJob(CoordinationError, LookupError):
    """A job the queue does not hold: an id it never gave out, or a job of another queue."""


class Unsupported(CoordinationError):
    """A coordination feature the backend does not offer (events on SQLite)."""


class BackupError(AgentstoreError):
    """A backup, restore, export or import that cannot proceed."""


class TargetNotEmpty(BackupError):
    """A restore or import aimed at a database that already holds data (use ``--force``)."""


class BackupCorrupt(BackupError):
    """A file that is not an agentstore backup, was cut short, or was damaged; nothing changed."""


class BackupTooNew(BackupError):
    """A backup from a newer format, schema revision or PostgreSQL than the target can take."""


class ToolsMismatch(BackupError):
    """No ``pg_dump`` / ``pg_restore`` on this machine fits the server's major version."""


class VerificationFailed(BackupError):
    """The restored data differ from the counts and checksums the backup recorded."""
