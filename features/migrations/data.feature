@backends:postgres,sqlite
Feature: Records survive every migration
  Agents and executions recorded before a migration are all there after it, changed only as
  that revision intends, and undoing the revision gives back exactly what was recorded.

  Rule: a revision changes records only as it intends

    Scenario: agents recorded before priorities existed get priority 0
      Given a database at revision "0002"
      And 5 agents with 3 executions each recorded at that revision
      When the database is upgraded to the newest revision
      Then the store holds 5 agents and 15 executions
      And every agent has priority 0
    Scenario: durations recorded in milliseconds read as seconds after the upgrade
      Given a database at revision "0004"
      And 4 agents with 3 executions each recorded at that revision
      When the database is upgraded to the newest revision
      Then every execution lasted the same time, now given in seconds

  Rule: undoing a revision restores every record exactly

    Scenario Outline: records made at revision <revision> survive the next revision and its undoing
      Given a database at revision "<revision>"
      And 3 agents with 2 executions each recorded at that revision
      When the next revision is applied and then undone
      Then every agent and execution is exactly as it was recorded

      Examples:
        | revision | Comment                                     |
        | 0001     | agents' memory gets a place of its own      |
        | 0001     | agents' memory gets a place of its own      |
        | 0002     | priorities are added                        |
        | 0002     | priorities are added                        |
        | 0003     | executions are indexed by agent             |
        | 0003     | executions are indexed by agent             |
        | 0004     | durations move from milliseconds to seconds |
        | 0004     | durations move from milliseconds to seconds |
        | 0005     | agents remember when they were last seen    |
        | 0005     | agents remember when they were last seen    |
