@backends:postgres,sqlite,redis
Feature: Partitions keep groups of facts apart
  An agent can file facts in named partitions ("default" unless it says otherwise).

  Rule: a partition lists only its own facts

    Scenario: a partition lists only its own facts
      Given an agent with a memory
      And the agent remembers "aqe/plan/1" as "design" in partition "planning"
      And the agent remembers "aqe/test/1" as "unit" in partition "testing"
      Then partition "planning" lists aqe/plan/1
      And partition "testing" lists aqe/test/1

  Rule: clearing a partition forgets its facts and no others, and says how many it forgot

    Scenario: clearing a partition forgets only its facts
      Given an agent with a memory
      And the agent remembers the facts aqe/plan/1, aqe/plan/2
      And the agent remembers "aqe/test/1" as "unit" in partition "testing"
      When the agent clears partition "default"
      Then 2 facts were cleared, leaving aqe/test/1

  Rule: remembering a fact in another partition moves it there

    Scenario: remembering a fact in another partition moves it
      Given an agent with a memory
      And the agent remembers "aqe/task/9" as "todo" in partition "backlog"
      When the agent remembers "aqe/task/9" as "doing" in partition "sprint"
      Then partition "backlog" lists none
      And partition "sprint" lists aqe/task/9
