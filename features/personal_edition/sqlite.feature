Feature: The Personal Edition keeps the same records in one SQLite file
  A single user runs agentstore on SQLite: the same records, in a file of their own.

  Rule: one schema for both editions

    @postgres @sqlite
    Scenario: the Personal Edition has the team edition's tables and columns
      Given a team edition store on PostgreSQL and a Personal Edition store on SQLite
      Then both stores have the same tables
      And every table has the same columns, portable types and nullability in both

  Rule: SQLite readers and writers share the file safely

    @backends:sqlite
    Scenario: a reader keeps its snapshot while a writer commits
      Given an agent store with the agent "ada" as a "planner"
      And a reader that has counted 1 agent
      When a writer adds the agent "zed" and commits
      Then the reader still counts 1 agent
      And a new reader counts 2 agents

    @backends:sqlite
    Scenario: a second writer waits for the first instead of failing at once
      Given an agent store whose writers wait up to 5000 milliseconds for each other
      And a writer adding the agent "ada" holds the file for 500 milliseconds
      When a second writer adds the agent "bob"
      Then "bob" was stored after waiting for the first writer
      And the agents "ada", "bob" are both stored
