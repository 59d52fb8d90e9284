@backends:postgres,sqlite
Feature: Executions are kept with the agent that ran them
  An execution records one task an agent ran: how it ended, how long it took, and its output
  or its error.

  Rule: an execution keeps its outcome

    Scenario: a successful execution reads back with its duration
      Given an agent store with the agent "ada" as a "planner"
      When "ada" records the task "summarise the quarterly report" succeeding in 2.5 seconds
      Then "ada" has 1 execution
      And the latest execution of "ada" is the task "summarise the quarterly report" succeeding in 2.5 seconds
    Scenario: a failed execution keeps its error
      Given an agent store with the agent "ada" as a "planner"
      When "ada" records the task "draft the release notes" failing with "the model timed out"
      Then the latest execution of "ada" failed with "the model timed out"
    Scenario: a finished execution keeps its end and outcome
      Given an agent store with the agent "ada" as a "planner"
      And "ada" is running the task "draft notes"
      When "ada" finishes the task "draft notes" succeeding in 4 seconds
      Then the latest execution of "ada" is the task "draft notes" succeeding in 4 seconds
      And the latest execution of "ada" ended after it started
    Scenario: a removed execution is gone and its agent stays
      Given an agent store with the agent "ada" as a "planner"
      And "ada" has run the tasks "draft notes", "review notes", "send notes"
      When the execution of "ada" for the task "review notes" is removed
      Then "ada" has 2 executions
      And the agent "ada" is a "planner" with no capabilities

  Rule: an execution needs its agent

    Scenario: an execution for an agent that does not exist is refused
      Given an agent store
      And 2 agents with 1 execution each
      When an execution is recorded for an agent that does not exist
      Then the request is refused because the agent does not exist
      And the store holds 2 agents and 2 executions

  Rule: an agent's executions go with it

    Scenario: removing an agent removes its executions and no others
      Given an agent store
      And 5 agents with 3 executions each
      When the first of those agents is removed
      Then the store holds 4 agents and 12 executions
      And every other agent still has its 3 executions
