@backends:postgres,sqlite,redis,redis_cluster
Feature: Agents working at once lose no update
  Many agents share one memory at the same time, in processes or threads of their own.

  Rule: adding to a counter is atomic: no increment is ever lost

    @slow
    Scenario: 8 agents counting together lose no increment
      Given an agent with a memory
      When 8 agents in separate processes each add 1 to "aqe/tasks-done" 250 times
      Then the agent recalls "aqe/tasks-done" as 2000
    Scenario: 8 agents counting in threads lose no increment
      Given an agent with a memory
      When 8 agents in separate threads each add 1 to "aqe/tasks-done" 250 times
      Then the agent recalls "aqe/tasks-done" as 2000

  Rule: claiming a fact that nobody holds yet succeeds for exactly one agent

    Scenario Outline: exactly one of 8 agents in <kind> claims a task
      Given an agent with a memory
      When 8 agents in separate <kind> race to claim "aqe/task/42/owner"
      Then exactly one agent holds "aqe/task/42/owner"

      Examples:
        | kind      |
        | processes |
        | threads   |
