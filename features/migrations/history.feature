Feature: The schema evolves through one linear history of revisions
  agentstore ships the history that builds its schema, revision by revision.
  Rules:
  - the history is one line: exactly one newest revision, and no revision id used twice
  - an empty database upgrades to the newest revision, and upgrading again changes nothing
  - every revision can be undone and redone, leaving the very same schema both times
  - the migrated schema is exactly what the models describe, on every database
  - undoing every revision leaves no table of agentstore behind

  Rule: the history is one line of revisions

    Scenario: the history ends in one newest revision and names no revision twice
      Given the migration history shipped with agentstore
      Then the history has exactly one newest revision
      And no revision id is declared twice

  Rule: an empty database is brought to the newest revision, once

    Scenario Outline: an empty <backend> database upgrades to the newest revision
      Given an empty <backend> database
      When the database is upgraded to the newest revision
      Then the database is at the newest revision

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: upgrading a <backend> database a second time is harmless
      Given a <backend> agent store
      And 3 agents with 2 executions each
      When the database is upgraded to the newest revision
      Then the database is at the newest revision
      And the store holds 3 agents and 6 executions

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

  Rule: every revision can be undone and redone

    Scenario Outline: every revision goes up, down and up again on <backend> leaving the same schema
      Given an empty <backend> database
      When every revision is applied, undone and applied again in turn
      Then each revision left the same schema every time

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: undoing every revision on <backend> leaves no table behind
      Given a <backend> agent store
      And 2 agents with 2 executions each
      When the database is downgraded to revision "base"
      Then no table of agentstore is left
      And the database reports that it was never migrated

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

  Rule: the migrated schema is what the models describe

    Scenario Outline: the schema built by migrations on <backend> matches the models
      Given an empty <backend> database
      When the database is upgraded to the newest revision
      Then comparing the schema with the models finds no difference

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
