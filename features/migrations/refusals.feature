Feature: Migration requests that cannot be carried out are refused
  A request that names a revision the history does not know, a database migrated by a newer
  agentstore, or a database that was never migrated is refused with one clear error that
  names the problem. Nothing is changed.

  Rule: a revision must be one the history knows

    Scenario Outline: upgrading a <backend> database to the unknown revision "<revision>" is refused
      Given a <backend> database at revision "0004"
      And 2 agents with 2 executions each recorded at that revision
      When the database is upgraded to revision "<revision>"
      Then the request is refused because the revision "<revision>" is unknown
      And the database is still at revision "0004" with every record as it was

      Examples: on Postgres
        | backend  | revision | Comment                                      |
        | Postgres | 9999     | a revision that was never written            |
        | Postgres | latest   | the newest revision is called "head"         |
        | Postgres | 0004a    | a near miss of a real revision               |
        | Postgres | 0000     | there is no revision before the first one    |
        | Postgres | 4        | revisions are named in full, "0004"          |

      Examples: on SQLite
        | backend  | revision | Comment                                      |
        | SQLite   | 9999     | a revision that was never written            |
        | SQLite   | latest   | the newest revision is called "head"         |
        | SQLite   | 0004a    | a near miss of a real revision               |
        | SQLite   | 0000     | there is no revision before the first one    |
        | SQLite   | 4        | revisions are named in full, "0004"          |

    Scenario Outline: downgrading a <backend> database to the unknown revision "<revision>" is refused
      Given a <backend> database at revision "0004"
      And 2 agents with 2 executions each recorded at that revision
      When the database is downgraded to revision "<revision>"
      Then the request is refused because the revision "<revision>" is unknown
      And the database is still at revision "0004" with every record as it was

      Examples: on Postgres
        | backend  | revision | Comment                                      |
        | Postgres | 9999     | a revision that was never written            |
        | Postgres | latest   | the newest revision is called "head"         |
        | Postgres | 0004a    | a near miss of a real revision               |
        | Postgres | 0000     | there is no revision before the first one    |
        | Postgres | 4        | revisions are named in full, "0004"          |

      Examples: on SQLite
        | backend  | revision | Comment                                      |
        | SQLite   | 9999     | a revision that was never written            |
        | SQLite   | latest   | the newest revision is called "head"         |
        | SQLite   | 0004a    | a near miss of a real revision               |
        | SQLite   | 0000     | there is no revision before the first one    |
        | SQLite   | 4        | revisions are named in full, "0004"          |

  Rule: a database newer than the code is left alone

    Scenario Outline: a <backend> database migrated by a newer agentstore is not upgraded
      Given a <backend> database that a newer agentstore moved to revision "0099"
      When the database is upgraded to the newest revision
      Then the request is refused because the database is at the newer revision "0099"
      And the database is still at revision "0099"

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

  Rule: records need a migrated database

    Scenario Outline: recording an agent in a never-migrated <backend> database is refused
      Given an empty <backend> database
      When the agent "ada" is created as a "planner"
      Then the request is refused because the database was never migrated
      And the database reports that it was never migrated

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: undoing revisions of a never-migrated <backend> database is refused
      Given an empty <backend> database
      When the database is downgraded to revision "base"
      Then the request is refused because the database was never migrated
      And no table of agentstore is left

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
