@backends:postgres,sqlite,redis,redis_cluster
Feature: The memory counts what it holds
  An agent can ask how much its memory holds.

  Rule: bytes are the size of the stored JSON text, and each partition is listed with how many facts it holds

    Scenario: facts, bytes and partitions are counted
      Given an agent with a memory
      And the agent remembers "aqe/greeting" as "hello" in partition "chat"
      And the agent remembers "aqe/answer" as 42 in partition "facts"
      And the agent remembers "aqe/pi" as 3.5 in partition "facts"
      Then the memory counts 3 facts of 12 bytes in partitions chat: 1, facts: 2

  Rule: the count covers live facts only: expired facts are never counted, even before cleanup

    Scenario: expired facts are not counted
      Given an agent with a memory
      And the agent remembers "aqe/greeting" as "hello" in partition "chat"
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When 400 milliseconds pass
      Then the memory counts 1 fact of 7 bytes in partitions chat: 1
