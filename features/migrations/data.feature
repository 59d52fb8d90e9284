Feature: Records survive every migration
  Agents and executions recorded before a migration are all there after it, changed only as
  that revision intends, and undoing the revision gives back exactly what was recorded.
  Rules:
  - agents recorded before priorities existed get the normal priority, 0
  - durations recorded in milliseconds are converted to seconds, and back on undoing
  - no revision loses or alters a record, going up or coming back down

  Rule: a revision changes records only as it intends

    Scenario Outline: agents recorded before priorities existed get priority 0 on <backend>
      Given a <backend> database at revision "0002"
      And 5 agents with 3 executions each recorded at that revision
      When the database is upgraded to the newest revision
      Then the store holds 5 agents and 15 executions
      And every agent has priority 0

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: durations recorded in milliseconds read as seconds after the upgrade on <backend>
      Given a <backend> database at revision "0004"
      And 4 agents with 3 executions each recorded at that revision
      When the database is upgraded to the newest revision
      Then every execution lasted the same time, now given in seconds

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

  Rule: undoing a revision restores every record exactly

    Scenario Outline: records made at revision <revision> survive the next revision and its undoing on <backend>
      Given a <backend> database at revision "<revision>"
      And 3 agents with 2 executions each recorded at that revision
      When the next revision is applied and then undone
      Then every agent and execution is exactly as it was recorded

      Examples:
        | backend  | revision | Comment                                       |
        | Postgres | 0001     | agents' memory gets a place of its own        |
        | SQLite   | 0001     | agents' memory gets a place of its own        |
        | Postgres | 0002     | priorities are added                          |
        | SQLite   | 0002     | priorities are added                          |
        | Postgres | 0003     | executions are indexed by agent               |
        | SQLite   | 0003     | executions are indexed by agent               |
        | Postgres | 0004     | durations move from milliseconds to seconds   |
        | SQLite   | 0004     | durations move from milliseconds to seconds   |
        | Postgres | 0005     | agents remember when they were last seen      |
        | SQLite   | 0005     | agents remember when they were last seen      |
