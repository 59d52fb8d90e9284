@backends:postgres,sqlite
Feature: A team's records come back after a restore
  A backup holds every agent and execution of one moment. Restored into an empty store, it
  brings all of them back with their indexes, constraints and id counters, checked against
  the counts and checksums the backup recorded before the store is used.

  Rule: every record, index, constraint and id counter comes back

    Scenario: a team's records come back after a restore
      Given a store holding 5 agents with 40 executions
      When the store is backed up and restored into an empty store
      Then the restored store holds the same records, indexes and constraints
      And a new agent and execution recorded there get fresh ids

    @slow
    Scenario: a realistic store of 50 agents and 5000 executions comes back whole
      Given a store holding 50 agents with 5000 executions
      When the store is backed up and restored into an empty store
      Then the restored store holds the same records, indexes and constraints

  Rule: a backup taken while agents keep working is one consistent moment

    Scenario: a backup taken while an agent keeps working restores every execution with its agent
      Given a store holding 2 agents with 50 executions
      When the store is backed up while an agent keeps recording batches of 10 executions
      And the backup is restored into an empty store
      Then every restored execution belongs to a restored agent
      And every agent added during the backup came back with all 10 of its executions
