@backends:postgres,sqlite,redis
Feature: What an agent learned outlives its session
  An agent's memory is durable: closing it and opening it again loses nothing.
  A store's prefix is its own space: stores with different prefixes share a server unseen.
  Scenario: learned Q-values survive closing and reopening the memory
    Given an agent with a memory
    And the agent has learned these Q-values
      | state        | action  | value  |
      | idle         | explore | 0.25   |
      | idle         | wait    | -0.125 |
      | tests-failed | fix     | 0.875  |
      | tests-failed | retry   | 0.0    |
    When the agent closes its memory and opens it again
    Then the agent recalls every Q-value it learned
  Scenario: two teams sharing a server do not see each other's facts
    Given two teams with memories of their own on one server
    When team "red" remembers "aqe/goal" as "ship it"
    Then team "red" recalls "aqe/goal" as "ship it"
    But team "blue" sees no facts at all
