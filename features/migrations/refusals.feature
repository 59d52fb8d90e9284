@backends:postgres,sqlite
Feature: Migration requests that cannot be carried out are refused
  A request that names a revision the history does not know, a database migrated by a newer
  agentstore, or a database that was never migrated is refused with one clear error that
  names the problem. Nothing is changed.

  Rule: a revision must be one the history knows

    Scenario Outline: upgrading a database to the unknown revision "<revision>" is refused
      Given a database at revision "0004"
      And 2 agents with 2 executions each recorded at that revision
      When the database is upgraded to revision "<revision>"
      Then the request is refused because the revision "<revision>" is unknown
      And the database is still at revision "0004" with every record as it was

      Examples:
        | revision | Comment                                   |
        | 9999     | a revision that was never written         |
        | latest   | the newest revision is called "head"      |
        | 0004a    | a near miss of a real revision            |
        | 0000     | there is no revision before the first one |
        | 4        | revisions are named in full, "0004"       |
    Scenario Outline: downgrading a database to the unknown revision "<revision>" is refused
      Given a database at revision "0004"
      And 2 agents with 2 executions each recorded at that revision
      When the database is downgraded to revision "<revision>"
      Then the request is refused because the revision "<revision>" is unknown
      And the database is still at revision "0004" with every record as it was

      Examples:
        | revision | Comment                                   |
        | 9999     | a revision that was never written         |
        | latest   | the newest revision is called "head"      |
        | 0004a    | a near miss of a real revision            |
        | 0000     | there is no revision before the first one |
        | 4        | revisions are named in full, "0004"       |

  Rule: a database newer than the code is left alone

    Scenario: a database migrated by a newer agentstore is not upgraded
      Given a database that a newer agentstore moved to revision "0099"
      When the database is upgraded to the newest revision
      Then the request is refused because the database is at the newer revision "0099"
      And the database is still at revision "0099"

  Rule: records need a migrated database

    Scenario: recording an agent in a never-migrated database is refused
      Given an empty database
      When the agent "ada" is created as a "planner"
      Then the request is refused because the database was never migrated
      And the database reports that it was never migrated
    Scenario: undoing revisions of a never-migrated database is refused
      Given an empty database
      When the database is downgraded to revision "base"
      Then the request is refused because the database was never migrated
      And no table of agentstore is left
