Feature: The schema evolves through one linear history of revisions
  agentstore ships the history that builds its schema, revision by revision.

  Rule: the history is one line of revisions

    Scenario: the history ends in one newest revision and names no revision twice
      Given the migration history shipped with agentstore
      Then the history has exactly one newest revision
      And no revision id is declared twice

  Rule: an empty database is brought to the newest revision, once

    @backends:postgres,sqlite
    Scenario: an empty database upgrades to the newest revision
      Given an empty database
      When the database is upgraded to the newest revision
      Then the database is at the newest revision

    @backends:postgres,sqlite
    Scenario: upgrading a database a second time is harmless
      Given an agent store
      And 3 agents with 2 executions each
      When the database is upgraded to the newest revision
      Then the database is at the newest revision
      And the store holds 3 agents and 6 executions

  Rule: every revision can be undone and redone

    @backends:postgres,sqlite
    Scenario: every revision goes up, down and up again leaving the same schema
      Given an empty database
      When every revision is applied, undone and applied again in turn
      Then each revision left the same schema every time

    @backends:postgres,sqlite
    Scenario: undoing every revision leaves no table behind
      Given an agent store
      And 2 agents with 2 executions each
      When the database is downgraded to revision "base"
      Then no table of agentstore is left
      And the database reports that it was never migrated

  Rule: the migrated schema is what the models describe

    @backends:postgres,sqlite
    Scenario: the schema built by migrations matches the models
      Given an empty database
      When the database is upgraded to the newest revision
      Then comparing the schema with the models finds no difference

  Rule: an operator moves the schema from the command line and is told where it stands

    @backends:postgres,sqlite
    Scenario: "agentstore migrate up" brings an empty database to the newest revision
      Given an empty database
      When the operator runs "agentstore migrate up" on the database
      Then the command moved the database from "base" to the newest revision

    @backends:postgres,sqlite
    Scenario: "agentstore migrate current" names the revision a store is at
      Given an agent store
      When the operator runs "agentstore migrate current" on the database
      Then the command answers with the newest revision

    @backends:postgres,sqlite
    Scenario: "agentstore migrate current" says when a database was never migrated
      Given an empty database
      When the operator runs "agentstore migrate current" on the database
      Then the command answers "none (never migrated)"
