@backends:postgres,redis,redis_cluster
Feature: The memory carries on when the server drops its connections
  When the server ends every connection an agent's memory holds (a restart, a failover),
  the agent notices nothing: the next call succeeds on a fresh connection, no call fails
  once the server is back, and no fact is lost or counted twice.

  Rule: no call fails once the server is back

    Scenario: an agent recalls and remembers as before after its connections are dropped
      Given an agent whose memory holds 6 open connections
      And the agent remembers "aqe/plan" as "draft"
      When the server drops every connection of the memory
      Then the agent recalls "aqe/plan" as "draft"
      And the next 8 rounds of every kind of call succeed

  Rule: a count made after a drop is counted exactly once

    Scenario: every increment after the drop counts once
      Given an agent whose memory holds 6 open connections
      And the agent remembers "aqe/visits" as 1
      When the server drops every connection of the memory
      And the agent adds 1 to "aqe/visits" 8 times
      Then the agent recalls "aqe/visits" as 9
