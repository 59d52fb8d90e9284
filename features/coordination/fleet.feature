@backends:postgres,sqlite,redis,redis_cluster
Feature: The fleet commander shares a batch out by capability
  The commander puts a batch of tasks in front of agents with different capabilities.

  Background:
    Given the agent "translator" who can "translate" and the agent "summariser" who can "summarise"

  Rule: each agent does only what it is capable of, every execution is recorded, and the agents share their intermediate results through the memory

    Scenario: a batch is done by capability, every execution recorded
      When the commander dispatches 6 "translate" tasks and 4 "summarise" tasks
      And the agents work until nothing is left for them
      Then every execution is recorded against the agent capable of its task
      And the commander reports all 10 tasks done and none dead
      And the shared memory holds 10 intermediate results

  Rule: the commander reports when the batch is done, and which tasks died

    Scenario: a task that fails every time is reported dead
      When the commander dispatches 3 "summarise" tasks and the "summarise" task "summarise the void" that always fails
      And the agents work until nothing is left for them
      Then the commander reports 3 tasks done and "summarise the void" dead
      And "summariser" has 3 failed executions of "summarise the void"
