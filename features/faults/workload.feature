@slow @backends:postgres,redis
Feature: Agents working through a server restart lose nothing they were told was kept
  Eight agents write facts, count and take tasks from a queue while their server stops hard
  and starts again. Calls during the outage are refused in one clear line; afterwards every
  write an agent was told was kept is there exactly once, no counter lost an increment, and
  every task was done exactly once.

  Scenario: 8 agents through a restart: every acknowledged write present exactly once
    Given 8 agents sharing a memory on a server that keeps every acknowledged write
    When the agents work while the server stops hard and starts again
    Then every fact an agent was told was kept is there exactly once
    And no counter lost an increment an agent was told was counted

  Scenario: 8 agents through a restart: every task of a queue done exactly once
    Given a queue of 200 tasks on a server that keeps every acknowledged write
    When 8 agents, each holding a task for 2 seconds, complete the tasks while the server stops hard for longer than that and starts again
    Then every one of the 200 tasks was done exactly once
    And the queue counts every task done and none left waiting
    And the restart came in the middle of the work
