Feature: An import that fails or is stopped changes nothing
  An import ends in exactly one of two states: the target as it was, or the target holding
  the whole archive, also when the import is refused, fails part-way, or is killed. Content
  the target cannot hold is refused, in one line, before anything is replaced.

  Rule: an import that fails leaves the team's memory as it was

    @backends:postgres,sqlite,redis
    Scenario: an archive with a fact outside the team's namespace leaves the memory as it was
      Given a target store whose memory holds "aqe/old" and "aqe/kept"
      And an archive whose memory also holds the fact "other/x" of another namespace
      When the archive is imported, replacing what the target holds
      Then the import is refused because the backup is damaged
      And the target holds exactly what it held before

  Rule: an import that fails leaves the records and their numbering as they were

    @backends:postgres
    Scenario: after a failed import new agents still get fresh numbers
      Given a target store already holding 5 agents with 5 executions
      And an archive of 3 agents whose last agent does not read back as written
      When the archive is imported, replacing what the target holds
      Then the import is refused in one line
      And 2 more agents can be recorded in the target with fresh numbers

  Rule: records the target cannot hold are refused before anything is replaced

    @backends:postgres,sqlite
    Scenario Outline: an archive holding <flaw> is refused and the target is unchanged
      Given a target store already holding 2 agents with 6 executions
      And an archive holding <flaw>
      When the archive is imported, replacing what the target holds
      Then the import is refused because the backup is damaged
      And the target holds exactly what it held before

      Examples:
        | flaw                                 | Comment                                     |
        | an agent without a name              | every agent has a name                      |
        | an agent listed twice                | each agent is one record                    |
        | an execution of an unknown agent     | every execution belongs to an agent         |
        | a priority beyond any counter        | 2 to the power 70 fits no number column     |
        | a priority written as words          | a priority is a number                      |
        | a task holding a NUL character       | text holds no NUL, on every backend         |

    @backends:postgres,sqlite
    Scenario: a failed import into a database never set up leaves it never set up
      Given a database that was never set up
      And an archive holding an agent listed twice
      When the archive is imported into that database
      Then the import is refused because the backup is damaged
      And the database is still never set up

  Rule: an import that is stopped half-way leaves the target as it was or complete, never half

    @backends:postgres,sqlite,redis @slow
    Scenario: an import killed at 10 random moments leaves the target as it was or complete
      Given a target store with records and memory of its own
      And an archive of thousands of records and facts
      When the import is killed at 10 random moments
      Then after each kill the target holds what it held before or the whole archive
      And no partial file is left behind
