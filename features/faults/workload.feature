@slow @backends:postgres,redis
Feature: Agents working through a server restart lose nothing they were told was kept
  Eight agents write facts and count, each on its own, while their server stops hard and
  starts again. Calls during the outage are refused in one clear line; afterwards every write
  an agent was told was kept is there exactly once, and no counter lost an increment.

  Scenario: 8 agents through a restart: every acknowledged write present exactly once
    Given 8 agents sharing a memory on a server that keeps every acknowledged write
    When the agents work while the server stops hard and starts again
    Then every fact an agent was told was kept is there exactly once
    And no counter lost an increment an agent was told was counted
